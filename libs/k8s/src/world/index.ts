export { buildWorldState } from './build-world.js';
export { MalformedObjectError } from './fields.js';
export { parseManifests } from './parse-manifests.js';
export type { BuildWorldOptions, WorldBuildResult, WorldDiagnostic } from './build-world.js';
export type { ParsedManifests } from './parse-manifests.js';
