export { renderConfig, runWeftctl } from './commands.js';
export { renderManifests, RenderError } from './render.js';
export { runStatus, statusConfig } from './status.js';
export type { Io } from './commands.js';
export type { RenderOptions, RenderResult } from './render.js';
