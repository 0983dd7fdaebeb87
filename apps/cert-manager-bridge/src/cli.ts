import { runBridge } from './main.js';

process.exitCode = await runBridge(process.argv.slice(2), process.env);
