import { runWeftctl } from './commands.js';

process.exitCode = await runWeftctl(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
});
