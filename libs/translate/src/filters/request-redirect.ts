import { fail } from './filter-handler.js';
import type { FilterHandler } from './filter-handler.js';
import { escapeRegex } from './path-rewrite.js';

const STATUS_CODES = [301, 302, 303, 307, 308];
const WELL_KNOWN_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };
/**
 * Stands for the port the client called (the Service port: a mesh route's "listener" port) in a Location that names
 * a new hostname without scheme or port. The filter runs once per rule; {@link redirectForPort} fills it in per port.
 */
const SERVICE_PORT = '\u0000service-port\u0000';

/**
 * RequestRedirect → redirect plugin. The Location is built from nginx variables for what the filter leaves as is:
 * `$scheme`, and the Host as the client sent it (with its port) unless hostname or port change it.
 */
export const requestRedirect: FilterHandler = {
  type: 'RequestRedirect',
  routeKinds: ['HTTPRoute'],
  apply(filter, plugins, context) {
    const r = filter.requestRedirect;
    if (r === undefined) return fail('RequestRedirect filter needs requestRedirect');
    const statusCode = r.statusCode ?? 302;
    if (!STATUS_CODES.includes(statusCode)) return fail(`RequestRedirect statusCode ${statusCode} is not supported`);
    if (r.scheme !== undefined && !(r.scheme in WELL_KNOWN_PORTS)) return fail(`RequestRedirect scheme "${r.scheme}" is not supported`);
    const scheme = r.scheme ?? '$scheme';
    // Without a port the spec asks for the scheme's well-known port, or without a scheme for the listener's; either
    // is left out of Location when it is the well-known port of the scheme used (outbound mesh traffic is http).
    let port = '';
    if (r.port !== undefined) port = WELL_KNOWN_PORTS[r.scheme ?? 'http'] === r.port ? '' : `:${r.port}`;
    else if (r.scheme === undefined && r.hostname !== undefined) port = SERVICE_PORT;
    const authority =
      r.hostname === undefined && r.port === undefined && r.scheme === undefined
        ? '$http_host'
        : `${r.hostname ?? '$host'}${port}`;
    const origin = `${scheme}://${authority}`;
    const path = r.path;
    if (path === undefined) {
      plugins.redirect = { uri: `${origin}$request_uri`, ret_code: statusCode };
    } else if (path.type === 'ReplaceFullPath') {
      if (path.replaceFullPath === undefined) return fail('RequestRedirect ReplaceFullPath needs replaceFullPath');
      plugins.redirect = { uri: `${origin}${path.replaceFullPath}`, ret_code: statusCode, append_query_string: true };
    } else if (path.type === 'ReplacePrefixMatch') {
      if (path.replacePrefixMatch === undefined) return fail('RequestRedirect ReplacePrefixMatch needs replacePrefixMatch');
      if (context.matchPrefix === undefined) return fail('RequestRedirect ReplacePrefixMatch needs a PathPrefix match');
      // regex_uri templates take capture groups only, no nginx variables: the origin must be literal or left out
      // (a relative or scheme-relative Location keeps what the client used).
      let literalOrigin: string;
      if (r.hostname !== undefined) literalOrigin = `${r.scheme === undefined ? '' : `${r.scheme}:`}//${r.hostname}${port}`;
      else if (r.scheme === undefined && r.port === undefined) literalOrigin = '';
      else return fail('RequestRedirect with ReplacePrefixMatch needs hostname when it changes scheme or port');
      const from = escapeRegex(context.matchPrefix.replace(/\/+$/, ''));
      const to = path.replacePrefixMatch.replace(/\/+$/, '');
      plugins.redirect = {
        regex_uri: to === '' ? [`^${from}/?(.*)$`, `${literalOrigin}/$1`] : [`^${from}(/.*)?$`, `${literalOrigin}${to}$1`],
        ret_code: statusCode,
        append_query_string: true,
      };
    } else return fail(`RequestRedirect path type "${path.type}" is not supported`);
    return { ok: true };
  },
};

/** The plugins of a rule for one Service port: the called port filled into a redirect's Location. */
export function redirectForPort(plugins: Readonly<Record<string, Readonly<Record<string, unknown>>>>, port: number): Record<string, Readonly<Record<string, unknown>>> {
  const redirect = plugins['redirect'];
  if (redirect === undefined) return plugins;
  const fill = (text: string): string => text.replace(SERVICE_PORT, port === WELL_KNOWN_PORTS['http'] ? '' : `:${port}`);
  const { uri, regex_uri: regexUri } = redirect as { uri?: string; regex_uri?: readonly [string, string] };
  if (uri?.includes(SERVICE_PORT) === true) return { ...plugins, redirect: { ...redirect, uri: fill(uri) } };
  if (regexUri?.[1].includes(SERVICE_PORT) === true) return { ...plugins, redirect: { ...redirect, regex_uri: [regexUri[0], fill(regexUri[1])] } };
  return plugins;
}
