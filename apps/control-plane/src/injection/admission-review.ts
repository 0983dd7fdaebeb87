import type { JsonPatchAdd } from './json-patch.js';
import type { PodLike } from './pod-types.js';

/** The body is not an admission.k8s.io/v1 AdmissionReview request the webhook can answer (HTTP 400). */
export class AdmissionReviewError extends Error {
  override readonly name = 'AdmissionReviewError';
}

/** The fields of an AdmissionReview v1 request the injector uses. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly operation: string;
  readonly namespace: string | undefined;
  readonly resource: { readonly group: string; readonly version: string; readonly resource: string } | undefined;
  readonly subResource: string | undefined;
  readonly dryRun: boolean;
  /** The object being admitted; a Pod for the requests the injector acts on. */
  readonly object: unknown;
}

const API_VERSION = 'admission.k8s.io/v1';

/** Checks the envelope (apiVersion, kind, request.uid); throws AdmissionReviewError saying what is wrong. */
export function parseAdmissionReview(body: string): AdmissionRequest {
  let review: unknown;
  try {
    review = JSON.parse(body);
  } catch (err) {
    throw new AdmissionReviewError(`body is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(review)) throw new AdmissionReviewError('body must be a JSON object (an AdmissionReview)');
  if (review['apiVersion'] !== API_VERSION || review['kind'] !== 'AdmissionReview') {
    throw new AdmissionReviewError(
      `expected apiVersion ${API_VERSION} and kind AdmissionReview, got ${JSON.stringify(review['apiVersion'])} ${JSON.stringify(review['kind'])}; set admissionReviewVersions: ["v1"] in the webhook configuration`,
    );
  }
  const request = review['request'];
  if (!isObject(request)) throw new AdmissionReviewError('AdmissionReview has no request object');
  const uid = request['uid'];
  if (typeof uid !== 'string' || uid === '') throw new AdmissionReviewError('request.uid must be a non-empty string');
  const operation = request['operation'];
  if (typeof operation !== 'string') throw new AdmissionReviewError('request.operation must be a string');
  const namespace = request['namespace'];
  if (namespace !== undefined && typeof namespace !== 'string') throw new AdmissionReviewError('request.namespace must be a string');
  const resource = request['resource'];
  const subResource = request['subResource'];
  return {
    uid,
    operation,
    namespace: namespace === '' ? undefined : namespace,
    resource: isObject(resource) && typeof resource['resource'] === 'string'
      ? { group: stringOr(resource['group']), version: stringOr(resource['version']), resource: resource['resource'] }
      : undefined,
    subResource: typeof subResource === 'string' && subResource !== '' ? subResource : undefined,
    dryRun: request['dryRun'] === true,
    object: request['object'],
  };
}

/** Checks the admitted object is a Pod with a spec and containers; throws AdmissionReviewError. */
export function podOf(request: AdmissionRequest): PodLike {
  const object = request.object;
  if (!isObject(object)) throw new AdmissionReviewError('request.object must be the Pod being created');
  if (object['kind'] !== undefined && object['kind'] !== 'Pod') throw new AdmissionReviewError(`request.object is a ${JSON.stringify(object['kind'])}, not a Pod`);
  const spec = object['spec'];
  if (!isObject(spec) || !Array.isArray(spec['containers'])) throw new AdmissionReviewError('request.object has no spec.containers: not a Pod');
  for (const list of ['containers', 'initContainers', 'volumes'] as const) {
    const items = spec[list];
    if (items !== undefined && items !== null && (!Array.isArray(items) || !items.every((c) => isObject(c) && typeof c['name'] === 'string'))) {
      throw new AdmissionReviewError(`request.object spec.${list} must be a list of objects with a name`);
    }
  }
  const metadata = object['metadata'];
  if (metadata !== undefined && !isObject(metadata)) throw new AdmissionReviewError('request.object metadata must be an object');
  for (const map of ['labels', 'annotations'] as const) {
    const value = metadata?.[map];
    if (value !== undefined && value !== null && (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string'))) {
      throw new AdmissionReviewError(`request.object metadata.${map} must map strings to strings`);
    }
  }
  return object;
}

/** What the webhook answers for one request. */
export type AdmissionAnswer =
  | { readonly allowed: true; readonly patch?: readonly JsonPatchAdd[]; readonly warnings?: readonly string[] }
  | { readonly allowed: false; readonly code: number; readonly message: string };

/** The AdmissionReview v1 response: the request's uid echoed, the JSONPatch base64-encoded as the API requires. */
export function admissionResponse(uid: string, answer: AdmissionAnswer): unknown {
  const response: Record<string, unknown> = { uid, allowed: answer.allowed };
  if (answer.allowed) {
    if (answer.patch !== undefined && answer.patch.length > 0) {
      response['patchType'] = 'JSONPatch';
      response['patch'] = Buffer.from(JSON.stringify(answer.patch)).toString('base64');
    }
    if (answer.warnings !== undefined && answer.warnings.length > 0) response['warnings'] = answer.warnings;
  } else {
    response['status'] = { code: answer.code, message: answer.message };
  }
  return { apiVersion: API_VERSION, kind: 'AdmissionReview', response };
}

function stringOr(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
