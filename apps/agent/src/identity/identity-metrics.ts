import { Counter, Gauge } from 'prom-client';
import type { Registry } from '@weft/telemetry';

/** The agent's SVID metrics. `code` is a gRPC status name, BAD_ANSWER or TOKEN_FILE (a closed set). */
export interface IdentityMetrics {
  readonly issued: Counter;
  readonly rotationFailures: Counter<'code'>;
  readonly expirySeconds: Gauge;
}

export function createIdentityMetrics(registry: Registry, notAfter: () => Date | undefined): IdentityMetrics {
  const registers = [registry];
  return {
    issued: new Counter({ name: 'weft_svid_issued_total', help: 'SVIDs this agent obtained (the first and each rotation).', registers }),
    rotationFailures: new Counter({
      name: 'weft_svid_rotation_failures_total',
      help: 'Failed attempts to obtain an SVID, by gRPC status (or BAD_ANSWER, TOKEN_FILE); the current SVID keeps serving.',
      labelNames: ['code'],
      registers,
    }),
    expirySeconds: new Gauge({
      name: 'weft_svid_expiry_seconds',
      help: 'Seconds until the current SVID expires (negative once expired, 0 before the first one).',
      registers,
      collect() {
        const at = notAfter();
        this.set(at === undefined ? 0 : (at.getTime() - Date.now()) / 1000);
      },
    }),
  };
}
