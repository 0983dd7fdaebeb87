import { serverPaths } from './servers.js';

// Provide every real server once, before any scenario starts, so a cold first run builds them in one place and a
// failure stops the run with install.sh's message instead of failing each test on its own.
export default function setup(): void {
  serverPaths();
}
