export { controlPlaneConfig } from './config.js';
export { runControlPlane } from './main.js';
export { MeshPipeline } from './mesh-pipeline.js';
export { createControlPlaneMetrics } from './metrics.js';
export { createWorldInput } from './world-source.js';
export type { ControlPlaneConfig } from './config.js';
export type { MeshPipelineOptions, MeshPublisher, PipelineRun } from './mesh-pipeline.js';
export type { ControlPlaneMetrics } from './metrics.js';
export type { WorldInput } from './world-source.js';
