// `weft-agent iptables` as a process of its own: what the e2e test runs inside a network namespace
// (`node --import tsx apps/agent/src/iptables/cli.ts …`). The agent's CLI calls runIptablesCommand the same way.
import { runIptablesCommand } from './command.js';

process.exitCode = await runIptablesCommand(process.argv.slice(2));
