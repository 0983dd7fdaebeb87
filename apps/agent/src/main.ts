// The `weft-agent` process (see bin/weft-agent.mjs): `weft-agent iptables …` runs the interception command,
// anything else runs the agent.
import { runAgent } from './agent.js';
import { runIptablesCommand } from './iptables/index.js';

const argv = process.argv.slice(2);
process.exitCode = argv[0] === 'iptables' ? await runIptablesCommand(argv.slice(1)) : await runAgent(argv, process.env);
// Everything is closed by now; a stray handle must not keep a stopping pod alive.
setTimeout(() => process.exit(), 3_000).unref();
