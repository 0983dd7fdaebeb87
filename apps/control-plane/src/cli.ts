import { runControlPlane } from './main.js';

process.exitCode = await runControlPlane(process.argv.slice(2), process.env);
