import { appHealthPath } from '@weft/model';
import type { AppHttpHeader, AppProbe, AppProbeKind, AppProbers } from '@weft/model';
import type { JsonPatchAdd } from './json-patch.js';
import { REWRITE_PROBES_ANNOTATION } from './names.js';
import type { ContainerLike } from './pod-types.js';

/** A `weft.dev/rewrite-app-probes` value other than "true" or "false". */
export class ProbeAnnotationError extends Error {
  override readonly name = 'ProbeAnnotationError';
}

/** The probes the kubelet runs, by the last segment of their rewritten path. */
const PROBE_FIELDS: readonly (readonly [field: 'livenessProbe' | 'readinessProbe' | 'startupProbe', kind: AppProbeKind])[] = [
  ['livenessProbe', 'livez'],
  ['readinessProbe', 'readyz'],
  ['startupProbe', 'startupz'],
];

/** A probe's handler fields; everything else (timings, thresholds) is kept in the rewritten probe. */
const HANDLERS = new Set(['httpGet', 'tcpSocket', 'grpc', 'exec']);

export interface ProbeRewrite {
  /** `add` operations replacing each rewritten probe (RFC 6902 `add` on an existing member replaces it). */
  readonly patch: readonly JsonPatchAdd[];
  /** The originals for the agent, keyed by rewritten path; empty when nothing was rewritten. */
  readonly probers: AppProbers;
}

type Json = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Points every httpGet/tcpSocket/grpc probe of the pod's app containers at the agent's health port
 * (`/app-health/<container>/<livez|readyz|startupz>`) and returns the originals for the agent, like Istio's
 * rewriteAppHTTPProbers. Timings and thresholds stay the kubelet's. Exec probes, probes whose named port the container
 * does not declare, and every probe of a pod annotated `weft.dev/rewrite-app-probes: "false"` are left alone. The
 * patch uses the pod's own container indexes: apply it before anything is inserted into `/spec/containers`.
 */
export function rewriteAppProbes(containers: readonly ContainerLike[], annotations: Readonly<Record<string, string>>, agentHealthPort: number): ProbeRewrite {
  const choice = annotations[REWRITE_PROBES_ANNOTATION];
  if (choice !== undefined && choice !== 'true' && choice !== 'false') {
    throw new ProbeAnnotationError(`annotation ${REWRITE_PROBES_ANNOTATION}="${choice}" must be "true" or "false"`);
  }
  if (choice === 'false') return { patch: [], probers: {} };
  const patch: JsonPatchAdd[] = [];
  const probers: Record<string, AppProbe> = {};
  containers.forEach((container, index) => {
    for (const [field, kind] of PROBE_FIELDS) {
      const probe = container[field];
      if (!isObject(probe)) continue;
      const original = originalProbe(probe, container);
      if (original === undefined) continue;
      const path = appHealthPath(container.name, kind);
      probers[path] = original;
      const timings = Object.fromEntries(Object.entries(probe).filter(([key]) => !HANDLERS.has(key)));
      patch.push({ op: 'add', path: `/spec/containers/${index}/${field}`, value: { ...timings, httpGet: { path, port: agentHealthPort, scheme: 'HTTP' } } });
    }
  });
  return { patch, probers };
}

/** The probe the agent runs instead of the kubelet, or undefined when it cannot be rewritten (exec, unknown port). */
function originalProbe(probe: Json, container: ContainerLike): AppProbe | undefined {
  const timeout = typeof probe['timeoutSeconds'] === 'number' ? { timeoutSeconds: probe['timeoutSeconds'] } : {};
  const { httpGet, tcpSocket, grpc } = probe;
  if (isObject(httpGet)) {
    const port = resolvePort(httpGet['port'], container);
    if (port === undefined) return undefined;
    const headers = Array.isArray(httpGet['httpHeaders'])
      ? (httpGet['httpHeaders'] as unknown[]).filter((h): h is AppHttpHeader => isObject(h) && typeof h['name'] === 'string' && typeof h['value'] === 'string')
      : [];
    return {
      httpGet: {
        port,
        ...(typeof httpGet['path'] === 'string' ? { path: httpGet['path'] } : {}),
        ...(typeof httpGet['host'] === 'string' && httpGet['host'] !== '' ? { host: httpGet['host'] } : {}),
        ...(httpGet['scheme'] === 'HTTPS' ? { scheme: 'HTTPS' as const } : {}),
        ...(headers.length === 0 ? {} : { httpHeaders: headers.map((h) => ({ name: h.name, value: h.value })) }),
      },
      ...timeout,
    };
  }
  if (isObject(tcpSocket)) {
    const port = resolvePort(tcpSocket['port'], container);
    if (port === undefined) return undefined;
    return { tcpSocket: { port, ...(typeof tcpSocket['host'] === 'string' && tcpSocket['host'] !== '' ? { host: tcpSocket['host'] } : {}) }, ...timeout };
  }
  if (isObject(grpc)) {
    const port = resolvePort(grpc['port'], container);
    if (port === undefined) return undefined;
    return { grpc: { port, ...(typeof grpc['service'] === 'string' && grpc['service'] !== '' ? { service: grpc['service'] } : {}) }, ...timeout };
  }
  return undefined;
}

/** A probe's port: a number, a numeric string, or the name of one of the container's ports. */
function resolvePort(port: unknown, container: ContainerLike): number | undefined {
  const valid = (n: number): number | undefined => (Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined);
  if (typeof port === 'number') return valid(port);
  if (typeof port !== 'string') return undefined;
  if (/^\d+$/.test(port)) return valid(Number(port));
  const ports = Array.isArray(container['ports']) ? (container['ports'] as unknown[]) : [];
  const named = ports.find((p) => isObject(p) && p['name'] === port);
  return isObject(named) && typeof named['containerPort'] === 'number' ? valid(named['containerPort']) : undefined;
}
