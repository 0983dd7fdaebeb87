import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type {
  V1ClusterRole,
  V1Container,
  V1ConfigMap,
  V1Deployment,
  V1MutatingWebhookConfiguration,
  V1PodDisruptionBudget,
  V1Role,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { REPO_ROOT, serverPath } from '../harness/index.js';
import type { Cluster } from '../harness/index.js';

/** The chart under test. */
export const CHART = join(REPO_ROOT, 'charts/weft');

/** Any rendered Kubernetes object; tests cast to the @kubernetes/client-node type of its kind. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
}

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the pinned helm with its cache, config and data folders inside `home` (nothing of the user's helm setup is
 * read or written). Resolves with the exit code instead of throwing, so refusals can be asserted.
 */
export function runHelm(home: string, args: readonly string[]): Promise<HelmResult> {
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  return new Promise((resolve) => {
    execFile(serverPath('helm'), args, { env, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Writes values as a YAML file in `home` and returns its path (a file keeps strings strings, unlike --set). */
export function valuesFile(home: string, name: string, values: object): string {
  const path = join(home, `${name}.yaml`);
  writeFileSync(path, stringify(values));
  return path;
}

/** Parses a multi-document YAML stream (helm template's output), failing on any syntax error. */
export function parseManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as KubeObject | null;
    if (value !== null) out.push(value);
  }
  return out;
}

/** `Kind/name` of each object, sorted: what a render contains at a glance. */
export function kindNames(objects: readonly KubeObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
}

/** The typed shape of each kind the tests look into. */
export interface RenderedKinds {
  ClusterRole: V1ClusterRole;
  ConfigMap: V1ConfigMap;
  Deployment: V1Deployment;
  MutatingWebhookConfiguration: V1MutatingWebhookConfiguration;
  PodDisruptionBudget: V1PodDisruptionBudget;
  Role: V1Role;
  Service: V1Service;
  StatefulSet: V1StatefulSet;
}

/** The one object of this kind and name; throws naming what is there when it is missing. */
export function find<K extends keyof RenderedKinds>(objects: readonly KubeObject[], kind: K, name: string): RenderedKinds[K] {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length} among ${kindNames(objects).join(', ')}`);
  return found[0] as RenderedKinds[K];
}

/**
 * A container's environment as the kubelet would give it: literal values, and downward-API fields from `fields`
 * (e.g. {"metadata.name": "weft-control-plane-0"}). Any other source is refused: the test would not mean it.
 */
export function containerEnv(container: V1Container, fields: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const path = e.valueFrom?.fieldRef?.fieldPath;
    const value = path !== undefined ? fields[path] : e.valueFrom === undefined ? (e.value ?? '') : undefined;
    if (value === undefined) throw new Error(`env ${e.name}: no value for ${JSON.stringify(e.valueFrom)}`);
    env[e.name] = value;
  }
  return env;
}

/** A kubeconfig that authenticates with a ServiceAccount token, as the in-cluster config does. */
export function serviceAccountKubeconfig(server: string, caPem: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'weft', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'sa', user: { token } }],
    contexts: [{ name: 'sa', context: { cluster: 'weft', user: 'sa' } }],
    'current-context': 'sa',
  });
}

/**
 * Asks the API server's own authorizer, with SubjectAccessReviews sent in one kubectl call, whether a ServiceAccount
 * (`system:serviceaccount:<ns>:<name>`) may do each of these: "verb group/resource[/subresource][:name] [namespace]",
 * e.g. "update gateway.networking.k8s.io/httproutes/status:reviews shop" (core group: "/pods").
 */
export async function accessReviews(cluster: Cluster, user: string, questions: readonly string[]): Promise<Record<string, boolean>> {
  const namespace = user.split(':')[2] ?? '';
  const reviews = questions.map((question) => {
    const [verb, what, ns] = question.split(' ') as [string, string, string | undefined];
    const [path, name] = what.split(':') as [string, string | undefined];
    const [group, resource, subresource] = path.split('/') as [string, string, string | undefined];
    return {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        resourceAttributes: { verb, group, resource, subresource, name, namespace: ns },
      },
    };
  });
  // One line per review, in order.
  const out = await cluster.kubectl(['create', '-f', '-', '-o', 'jsonpath={.status.allowed}{"\\n"}'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: reviews }));
  const answers = out.split('\n').filter((l) => l !== '');
  if (answers.length !== questions.length) throw new Error(`${questions.length} access reviews sent, ${answers.length} answered: ${out}`);
  return Object.fromEntries(questions.map((q, i) => [q, answers[i] === 'true']));
}
