import { APISIX_KINDS } from '@weft/model';
import type { ApisixKind, ApisixResources, Snapshot } from '@weft/model';
import { snapshotByteSize } from '../build.js';
import { SnapshotValidationError } from '../errors.js';
import { checkConsistency } from '../consistency.js';
import type { SnapshotProblem } from '../problems.js';
import type { Fields, Report } from './fields.js';
import { checkId, isRecord, reporter } from './fields.js';
import { CERT_PEM, checkCertificatePem } from './pem.js';
import { validateRoute } from './route.js';
import { validateGlobalRule, validatePluginConfig, validateStreamRoute } from './small-kinds.js';
import { validateSsl } from './ssl.js';
import { validateUpstream } from './upstream.js';

type ResourceValidator = (report: Report, resource: Fields) => void;

const VALIDATORS: Readonly<Record<ApisixKind, ResourceValidator>> = {
  routes: validateRoute,
  upstreams: validateUpstream,
  ssls: validateSsl,
  plugin_configs: validatePluginConfig,
  global_rules: validateGlobalRule,
  stream_routes: validateStreamRoute,
};

/** Every resource against APISIX's schema for its kind (facts: shared/apisix-contract.md §3). */
export function validateResources(resources: ApisixResources): SnapshotProblem[] {
  const problems: SnapshotProblem[] = [];
  for (const kind of APISIX_KINDS) {
    const list: readonly unknown[] = resources[kind];
    list.forEach((resource, i) => {
      problems.push(...validateResource(kind, resource, `#${i}`));
    });
  }
  return problems;
}

/** One resource against APISIX's schema for `kind`; `fallbackId` names it when it has no string id. */
export function validateResource(kind: ApisixKind, resource: unknown, fallbackId: string): SnapshotProblem[] {
  const problems: SnapshotProblem[] = [];
  const id = isRecord(resource) && typeof resource['id'] === 'string' ? resource['id'] : fallbackId;
  const report = reporter(kind, id, problems);
  if (!isRecord(resource)) {
    report('invalid_value', '', 'must be an object');
    return problems;
  }
  checkId(report, 'id', resource['id']);
  VALIDATORS[kind](report, resource);
  return problems;
}

export function validateTrustBundle(trustBundle: readonly string[]): SnapshotProblem[] {
  const problems: SnapshotProblem[] = [];
  trustBundle.forEach((pem, i) => {
    checkCertificatePem(
      (code, field, message) => problems.push({ code, path: field, message }),
      `trustBundle[${i}]`,
      pem,
      CERT_PEM,
    );
  });
  return problems;
}

export interface ValidateOptions {
  /** Largest accepted size of the canonical encoding, in bytes. Unlimited when absent. */
  readonly maxBytes?: number;
}

/**
 * Everything that stops a snapshot from being served: schema problems, unresolved references, size.
 * An empty list means it may be applied.
 */
export function validateSnapshot(snapshot: Snapshot, options: ValidateOptions = {}): SnapshotProblem[] {
  const problems = [
    ...validateResources(snapshot.resources),
    ...checkConsistency(snapshot.resources),
    ...validateTrustBundle(snapshot.trustBundle),
  ];
  if (options.maxBytes !== undefined) {
    const bytes = snapshotByteSize(snapshot);
    if (bytes > options.maxBytes) {
      problems.push({
        code: 'too_large',
        path: '',
        message: `snapshot encodes to ${bytes} bytes, more than the limit of ${options.maxBytes}`,
      });
    }
  }
  return problems;
}

/** `validateSnapshot`, throwing `SnapshotValidationError` with every problem when there is any. */
export function assertValidSnapshot(snapshot: Snapshot, options: ValidateOptions = {}): void {
  const problems = validateSnapshot(snapshot, options);
  if (problems.length > 0) throw new SnapshotValidationError(problems);
}
