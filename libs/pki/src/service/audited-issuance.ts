import type { Logger } from '@weft/telemetry';
import type { WeftCertificateResponse } from './ca-service.js';
import { CertificateDenial } from './certificate-denial.js';
import type { CertificateMetrics } from './certificate-metrics.js';
import type { CertificateCall } from './grpc-server.js';
import { takeIdentityRequest } from './rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';
import { checkRequest } from './request-validation.js';
import type { CheckedRequest, LifetimeBounds } from './request-validation.js';
import type { WorkloadAccount } from './token-cache.js';
import type { TokenAuthenticator } from './token-authenticator.js';

/** What the signing step produced: the answer, and its own fields of the `issued` audit line (serial, notAfter, …). */
export interface SignedAnswer {
  readonly response: WeftCertificateResponse;
  readonly audit: Readonly<Record<string, unknown>>;
}

export interface IssuanceSteps {
  readonly authenticator: TokenAuthenticator;
  readonly limiter: RateLimiter;
  readonly bounds: LifetimeBounds;
  readonly metrics: CertificateMetrics;
  /** Audit log: one line per issuance and per denial. */
  readonly log: Logger;
  /** The denial an error of the signing step stands for; undefined: an internal error. CertificateDenial passes as is. */
  readonly denialOf?: (err: unknown) => CertificateDenial | undefined;
}

/**
 * What every certificate service does with a call, around the step that signs: authenticate the token, rate-limit
 * the identity, check the request, then `sign`. Every outcome is one audit line (`issued` or `denied`) and counted.
 * `context` takes fields the signing step learns before it may still fail (the bridge's CertificateRequest), for
 * either line. Throws CertificateDenial.
 */
export async function issueAudited(
  call: CertificateCall,
  steps: IssuanceSteps,
  sign: (account: WorkloadAccount, request: CheckedRequest, context: Record<string, unknown>) => Promise<SignedAnswer>,
): Promise<WeftCertificateResponse> {
  const { metrics, log } = steps;
  const started = performance.now();
  const context: Record<string, unknown> = {};
  let account: WorkloadAccount | undefined;
  try {
    account = await steps.authenticator.authenticate(call.token);
    takeIdentityRequest(steps.limiter, account);
    const signed = await sign(account, checkRequest(call.request, steps.bounds), context);
    const seconds = (performance.now() - started) / 1000;
    metrics.issued.inc();
    metrics.issueSeconds.observe(seconds);
    log.info({ audit: 'issued', ...signed.audit, ...context, peer: call.peer, durationMs: Math.round(seconds * 1e4) / 10 }, 'certificate issued');
    return signed.response;
  } catch (err) {
    const denial = err instanceof CertificateDenial ? err : (steps.denialOf?.(err) ?? new CertificateDenial('internal', 'internal error while issuing the certificate', { cause: err }));
    metrics.denials.inc({ reason: denial.reason });
    metrics.issueSeconds.observe((performance.now() - started) / 1000);
    log.warn(
      {
        audit: 'denied',
        ...(account === undefined ? {} : { identity: `${account.namespace}/${account.serviceAccount}` }),
        ...context,
        reason: denial.reason,
        code: denial.code,
        peer: call.peer,
        err: denial.message,
        ...(denial.reason === 'internal' ? { cause: (err as Error).message } : {}),
      },
      'certificate denied',
    );
    throw denial;
  }
}
