import type { Fields, Report } from './fields.js';
import {
  checkHost,
  checkId,
  checkIpOrCidr,
  checkKnownFields,
  checkMetadata,
  checkNumber,
  checkPlugins,
  checkRequired,
  optional,
} from './fields.js';

const PLUGIN_CONFIG_FIELDS = new Set(['id', 'name', 'desc', 'labels', 'plugins']);
const GLOBAL_RULE_FIELDS = new Set(['id', 'plugins']);
const STREAM_ROUTE_FIELDS = new Set([
  'id', 'name', 'desc', 'labels', 'remote_addr', 'server_addr', 'server_port', 'sni', 'upstream_id', 'plugins',
]);

export function validatePluginConfig(report: Report, pluginConfig: Fields): void {
  checkKnownFields(report, '', pluginConfig, PLUGIN_CONFIG_FIELDS);
  checkMetadata(report, pluginConfig);
  checkRequired(report, pluginConfig, ['plugins']);
  optional(pluginConfig, 'plugins', (v) => {
    checkPlugins(report, 'plugins', v);
  });
}

export function validateGlobalRule(report: Report, globalRule: Fields): void {
  checkKnownFields(report, '', globalRule, GLOBAL_RULE_FIELDS);
  checkRequired(report, globalRule, ['plugins']);
  optional(globalRule, 'plugins', (v) => {
    checkPlugins(report, 'plugins', v);
  });
}

/** Nothing is required by APISIX's stream_route schema; every field present must be well formed. */
export function validateStreamRoute(report: Report, streamRoute: Fields): void {
  checkKnownFields(report, '', streamRoute, STREAM_ROUTE_FIELDS);
  checkMetadata(report, streamRoute);
  optional(streamRoute, 'remote_addr', (v) => checkIpOrCidr(report, 'remote_addr', v));
  optional(streamRoute, 'server_addr', (v) => checkIpOrCidr(report, 'server_addr', v));
  optional(streamRoute, 'server_port', (v) => checkNumber(report, 'server_port', v, { integer: true, min: 1, max: 65535 }));
  optional(streamRoute, 'sni', (v) => checkHost(report, 'sni', v));
  optional(streamRoute, 'upstream_id', (v) => checkId(report, 'upstream_id', v));
  optional(streamRoute, 'plugins', (v) => {
    checkPlugins(report, 'plugins', v);
  });
}
