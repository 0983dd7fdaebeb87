/**
 * @weft/translate — WorldState → MeshConfig. Pure: no I/O, no clock, no randomness; bad input becomes route status
 * and diagnostics, never an exception.
 *
 *   Service ──port──▶ upstream u.<ns>.<svc>.<port> ◀──upstream_id / traffic-split── route r|g.<ns>.<route>.<parent>.<port>.<rule>.<match>
 *      │                                                                              (or the default route d.<ns>.<svc>.<port>)
 *      └──selects Pod──▶ inbound route/upstream in.<containerPort> (127.0.0.1)
 *   MeshAuthorization ──selects Pod──▶ serverless-pre-function on its in.<port> routes (SPIFFE ID check, else 403)
 *   scope = producer view or one consumer namespace's view + one inbound signature (ports, and the policies that
 *   select the workload); several namespaces share a scope, and each workload serves its client view of it (short
 *   host names resolve in the client's own namespace)
 */
export { createTranslator, translate } from './translator.js';
export { isShortHost, resourcesForClient, routeForClient, SHORT_HOST_NAMESPACE_LABEL } from './client-view.js';
export { resourceId, shortHash } from './ids.js';
export { inboundPortsOf } from './inbound.js';
export { meshNamesFor } from './mesh-names.js';
export { FILTER_HANDLERS } from './filters/index.js';
export { AUTHORIZATION_PLUGIN } from './authorization/authorization-index.js';
export { authorizationFunction, luaLongString } from './authorization/lua.js';
export type { Translator } from './translator.js';
export type { MeshNameRequester } from './mesh-names.js';
export type { FilterContext, FilterHandler, FilterOutcome, PluginDraft } from './filters/index.js';
