export { renderConfig, runWeftctl } from './commands.js';
export { renderManifests, RenderError } from './render.js';
export { runStatus, statusConfig } from './status.js';
export { checkConfig, runCheck, runChecks } from './check/run-check.js';
export type { Io } from './commands.js';
export type { CheckConfig } from './check/run-check.js';
export type { CheckResult, CheckStatus } from './check/check-result.js';
export type { RenderOptions, RenderResult } from './render.js';
