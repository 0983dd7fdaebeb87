#!/usr/bin/env -S node --max-semi-space-size=1 --expose-gc
// `weft-agent` launcher. Runs the built agent (dist/main.js, libs from their dist) when it exists, else the
// TypeScript sources through tsx with the `development` export condition (libs from their src). Set
// WEFT_AGENT_FROM_SOURCE=1 to force the sources in a tree that also has a (maybe stale) build.
// The agent's V8 flags (src/node-flags.ts, which explains them) are on the shebang line and in the sources' command.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));

if (existsSync(built) && process.env.WEFT_AGENT_FROM_SOURCE !== '1') {
  await import(built);
} else {
  // Export conditions are fixed at process start, so the sources run in a child; signals are passed on.
  // tsx resolved from here, not from the caller's working folder.
  const tsx = import.meta.resolve('tsx');
  const nodeFlags = ['--max-semi-space-size=1', '--expose-gc'];
  const child = spawn(process.execPath, [...nodeFlags, '--conditions=development', '--import', tsx, source, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === null ? 1 : 128);
  });
}
