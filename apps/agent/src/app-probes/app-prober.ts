import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { credentials, Client, Metadata, status as grpcStatus } from '@grpc/grpc-js';
import type { AppProbe } from '@weft/model';

/** The outcome of one probe, as the kubelet would judge it. */
export type ProbeResult = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly detail: string };

/** The kubelet's default probe timeout. */
const DEFAULT_TIMEOUT_SECONDS = 1;
const LOOPBACK = '127.0.0.1';

const timeoutMsOf = (probe: AppProbe): number => Math.max(1, probe.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
const hostFor = (host: string | undefined): string => (host === undefined || host === '' ? LOOPBACK : host);

/**
 * Runs one of the app's original probes the way the kubelet does, against the app on loopback: httpGet succeeds on a
 * status 200-399 (redirects are not followed; HTTPS certificates are not verified, as the kubelet's are not),
 * tcpSocket on an open connection, grpc on SERVING from grpc.health.v1.Health/Check.
 */
export function runAppProbe(probe: AppProbe): Promise<ProbeResult> {
  if ('httpGet' in probe) return httpProbe(probe.httpGet, timeoutMsOf(probe));
  if ('tcpSocket' in probe) return tcpProbe(hostFor(probe.tcpSocket.host), probe.tcpSocket.port, timeoutMsOf(probe));
  return grpcProbe(probe.grpc.port, probe.grpc.service ?? '', timeoutMsOf(probe));
}

function httpProbe(get: Extract<AppProbe, { httpGet: unknown }>['httpGet'], timeoutMs: number): Promise<ProbeResult> {
  const https = get.scheme === 'HTTPS';
  const path = get.path === undefined || get.path === '' ? '/' : get.path.startsWith('/') ? get.path : `/${get.path}`;
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/weft', Accept: '*/*' };
  for (const h of get.httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const options = { host: hostFor(get.host), port: get.port, path, method: 'GET', headers, timeout: timeoutMs, agent: false as const };
    const req = https ? httpsRequest({ ...options, rejectUnauthorized: false }) : httpRequest(options);
    req.on('response', (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { ok: true, detail: `HTTP ${code}` } : { ok: false, detail: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => {
      req.destroy(new Error(`no answer in ${timeoutMs} ms`));
    });
    req.on('error', (err) => { resolve({ ok: false, detail: `HTTP probe of ${https ? 'https' : 'http'}://${options.host}:${get.port}${path} failed: ${err.message}` }); });
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true, detail: `connected to ${host}:${port}` });
    });
    socket.once('timeout', () => {
      socket.destroy(new Error(`no connection in ${timeoutMs} ms`));
    });
    socket.once('error', (err) => { resolve({ ok: false, detail: `TCP probe of ${host}:${port} failed: ${err.message}` }); });
  });
}

// grpc.health.v1 messages, encoded by hand (two fields): HealthCheckRequest { string service = 1; },
// HealthCheckResponse { ServingStatus status = 1; } with SERVING = 1.
function encodeHealthRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  if (name.length === 0) return Buffer.alloc(0);
  return Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** The status field of a HealthCheckResponse (0 UNKNOWN when absent). */
function decodeHealthStatus(message: Buffer): number {
  let i = 0;
  while (i < message.length) {
    const tag = message[i++] ?? 0;
    if (tag === 0x08) {
      let value = 0;
      let shift = 0;
      for (;;) {
        const byte = message[i++] ?? 0;
        value |= (byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) return value;
        shift += 7;
      }
    }
    return 0;
  }
  return 0;
}

const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function grpcProbe(port: number, service: string, timeoutMs: number): Promise<ProbeResult> {
  const client = new Client(`${LOOPBACK}:${port}`, credentials.createInsecure());
  return new Promise<ProbeResult>((resolve) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      encodeHealthRequest,
      (bytes: Buffer) => decodeHealthStatus(bytes),
      service,
      new Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, status) => {
        if (err !== null) {
          const code = grpcStatus[err.code] as string | undefined;
          resolve({ ok: false, detail: `gRPC probe of ${LOOPBACK}:${port} failed: ${code ?? err.code} ${err.details}` });
        } else if (status === 1) {
          resolve({ ok: true, detail: 'SERVING' });
        } else {
          resolve({ ok: false, detail: `gRPC health of "${service}" is ${SERVING_STATUS[status ?? 0] ?? String(status)}` });
        }
      },
    );
  }).finally(() => {
    client.close();
  });
}
