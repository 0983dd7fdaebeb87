export { ConfigError, configHelp, entry, parseConfig, parsers } from './config.js';
export { startHealthServer } from './health-server.js';
export { createLogger } from './logger.js';
export { createMetricsRegistry, METRIC_PREFIX, Registry } from './metrics.js';
export type { ConfigEntry, ConfigOf, ConfigSpec } from './config.js';
export type { HealthServer, HealthServerOptions, Readiness } from './health-server.js';
export type { Logger, LoggerOptions } from './logger.js';
