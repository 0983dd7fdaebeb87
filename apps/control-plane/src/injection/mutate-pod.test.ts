import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch, deepClone } from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { goldenJson } from '@weft/model/testing';
import { parse } from 'yaml';
import { TEST_CA_ROOTS, testInjectionSettings } from '../testing/injection-settings.js';
import { mutatePod } from './mutate-pod.js';
import type { PodLike } from './pod-types.js';
import type { InjectionSettings } from './settings.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface Fixture {
  readonly namespace: string;
  readonly namespaceLabels: Record<string, string>;
  readonly settings?: Partial<InjectionSettings>;
  readonly pod: PodLike;
}

function load(name: string): Fixture {
  return parse(readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8')) as Fixture;
}

/** The pod after the webhook's JSONPatch, applied by a real RFC 6902 implementation that validates every operation. */
function patched(pod: PodLike, patch: readonly unknown[]): PodLike {
  return applyPatch(deepClone(pod) as PodLike, patch as Operation[], true, false).newDocument;
}

const cases = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();

describe('injection - golden pods', () => {
  it.each(cases)('%s', async (name) => {
    const fixture = load(name);
    const settings = testInjectionSettings(fixture.settings);
    const outcome = mutatePod(fixture.pod, { namespace: fixture.namespace, namespaceLabels: fixture.namespaceLabels, caRootsPem: TEST_CA_ROOTS }, settings);
    const golden: Record<string, unknown> = { result: outcome.result };
    if (outcome.result === 'refused') golden['message'] = outcome.message;
    if (outcome.result === 'not-selected' || outcome.result === 'already-injected' || outcome.result === 'host-network') golden['reason'] = outcome.reason;
    if (outcome.result === 'injected') golden['because'] = outcome.because;
    if ('patch' in outcome) {
      golden['patchPaths'] = outcome.patch.map((op) => `${op.op} ${op.path}`);
      golden['pod'] = patched(fixture.pod, outcome.patch);
    }
    await expect(`${goldenJson(golden)}\n`).toMatchFileSnapshot(join(FIXTURES, `${name}.snapshot.json`));
  });

  it.each(cases)('%s - only adds: every field of the admitted pod is still there, unchanged', (name) => {
    const fixture = load(name);
    const outcome = mutatePod(fixture.pod, { namespace: fixture.namespace, namespaceLabels: fixture.namespaceLabels, caRootsPem: TEST_CA_ROOTS }, testInjectionSettings(fixture.settings));
    if (!('patch' in outcome)) return;
    const after = patched(fixture.pod, outcome.patch);
    expect(after.metadata).toMatchObject(fixture.pod.metadata ?? {});
    const { initContainers, containers, volumes, ...rest } = fixture.pod.spec ?? {};
    expect(after.spec).toMatchObject(rest);
    // The pod's own containers and volumes keep their order, after (containers, init containers) or before
    // (volumes) what was added.
    const names = (list: readonly { name: string }[] | undefined) => (list ?? []).map((c) => c.name);
    expect(names(after.spec?.initContainers).slice(-names(initContainers).length || Infinity)).toEqual(names(initContainers));
    expect(names(after.spec?.containers).slice(-names(containers).length)).toEqual(names(containers));
    expect(names(after.spec?.volumes).slice(0, names(volumes).length)).toEqual(names(volumes));
  });

  it.each(cases)('%s - idempotent: the injected pod sent again comes back unchanged', (name) => {
    const fixture = load(name);
    const context = { namespace: fixture.namespace, namespaceLabels: fixture.namespaceLabels, caRootsPem: TEST_CA_ROOTS };
    const settings = testInjectionSettings(fixture.settings);
    const first = mutatePod(fixture.pod, context, settings);
    if (first.result !== 'injected') return;
    const again = mutatePod(patched(fixture.pod, first.patch), context, settings);
    expect(again.result).toBe('already-injected');
    expect('patch' in again).toBe(false);
  });
});

describe('injection - CA roots for the agent', () => {
  const pod: PodLike = { metadata: { name: 'web' }, spec: { containers: [{ name: 'web' }] } };
  const context = { namespace: 'shop', namespaceLabels: { 'weft.dev/inject': 'enabled' } };
  type Injected = { spec: { initContainers: { name: string; env?: { name: string; value?: string }[] }[]; volumes: { name: string; projected?: { sources: unknown[] } }[] }; metadata: { annotations: Record<string, string> } };

  it('with a CA address the roots go into an annotation, projected as the file the agent reads', () => {
    const outcome = mutatePod(pod, { ...context, caRootsPem: TEST_CA_ROOTS }, testInjectionSettings());
    if (outcome.result !== 'injected') throw new Error(outcome.result);
    const after = patched(pod, outcome.patch) as unknown as Injected;
    expect(after.metadata.annotations['weft.dev/ca-roots']).toBe(TEST_CA_ROOTS);
    const env = new Map(after.spec.initContainers.find((c) => c.name === 'weft-agent')?.env?.map((e) => [e.name, e.value]));
    expect(env.get('WEFT_CA_ADDRESS')).toBe('weft-control-plane.weft-system.svc:15012');
    expect(env.get('WEFT_CA_ROOT_FILE')).toBe('/var/run/secrets/weft/ca-roots.pem');
    expect(env.get('WEFT_TRUST_DOMAIN')).toBe('cluster.local');
    // The control plane's CA grants mesh names itself: the agent asks for none unless told to.
    expect(env.has('WEFT_CSR_MESH_NAMES')).toBe(false);
    const bridged = mutatePod(pod, { ...context, caRootsPem: TEST_CA_ROOTS }, testInjectionSettings({ csrMeshNames: true }));
    if (bridged.result !== 'injected') throw new Error(bridged.result);
    const bridgedEnv = (patched(pod, bridged.patch) as unknown as Injected).spec.initContainers.find((c) => c.name === 'weft-agent')?.env ?? [];
    expect(bridgedEnv).toContainEqual({ name: 'WEFT_CSR_MESH_NAMES', value: 'true' });
    expect(after.spec.volumes.find((v) => v.name === 'weft-token')?.projected?.sources).toContainEqual({
      downwardAPI: { items: [{ path: 'ca-roots.pem', fieldRef: { fieldPath: "metadata.annotations['weft.dev/ca-roots']" } }] },
    });
  });

  it('without a CA address: no roots, no CA variables, only the token in the projected volume', () => {
    const outcome = mutatePod(pod, context, testInjectionSettings({ caAddress: '' }));
    if (outcome.result !== 'injected') throw new Error(outcome.result);
    const after = patched(pod, outcome.patch) as unknown as Injected;
    expect(after.metadata.annotations['weft.dev/ca-roots']).toBeUndefined();
    const names = after.spec.initContainers.find((c) => c.name === 'weft-agent')?.env?.map((e) => e.name);
    expect(names).not.toContain('WEFT_CA_ADDRESS');
    expect(names).not.toContain('WEFT_CA_ROOT_FILE');
    expect(after.spec.volumes.find((v) => v.name === 'weft-token')?.projected?.sources).toHaveLength(1);
  });

  it('with a CA address but no roots known, injection fails instead of making an agent that cannot start', () => {
    expect(() => mutatePod(pod, context, testInjectionSettings())).toThrow('the CA roots are not known');
  });
});

describe('injection - NATS TLS for the agent', () => {
  const pod: PodLike = { metadata: { name: 'web' }, spec: { containers: [{ name: 'web' }] } };
  const context = { namespace: 'shop', namespaceLabels: { 'weft.dev/inject': 'enabled' }, caRootsPem: TEST_CA_ROOTS };
  const NATS_CA = '-----BEGIN CERTIFICATE-----\nTUlJQm5hdHMtY2E=\n-----END CERTIFICATE-----\n';
  type Injected = {
    spec: { initContainers: { name: string; env?: { name: string; value?: string }[] }[]; volumes: { name: string; projected?: { sources: unknown[] } }[] };
    metadata: { annotations: Record<string, string> };
  };
  const agentEnv = (after: Injected) => new Map(after.spec.initContainers.find((c) => c.name === 'weft-agent')?.env?.map((e) => [e.name, e.value]));

  it('with a NATS CA file the CA goes into an annotation, projected as the file WEFT_NATS_CA names; the SVID setting is passed on', () => {
    const settings = testInjectionSettings({ natsUrl: 'tls://weft-nats.weft-system.svc:4222', natsCaFile: '/etc/weft/nats-tls/ca.crt', natsClientSvid: true });
    const outcome = mutatePod(pod, { ...context, natsCaPem: NATS_CA }, settings);
    if (outcome.result !== 'injected') throw new Error(outcome.result);
    const after = patched(pod, outcome.patch) as unknown as Injected;
    expect(after.metadata.annotations['weft.dev/nats-ca']).toBe(NATS_CA);
    const env = agentEnv(after);
    expect(env.get('WEFT_NATS_URL')).toBe('tls://weft-nats.weft-system.svc:4222');
    expect(env.get('WEFT_NATS_CA')).toBe('/var/run/secrets/weft/nats-ca.pem');
    expect(env.get('WEFT_NATS_CLIENT_SVID')).toBe('true');
    expect(after.spec.volumes.find((v) => v.name === 'weft-token')?.projected?.sources).toContainEqual({
      downwardAPI: { items: [{ path: 'nats-ca.pem', fieldRef: { fieldPath: "metadata.annotations['weft.dev/nats-ca']" } }] },
    });
  });

  it('without a NATS CA file: no annotation, no WEFT_NATS_CA, no SVID variable', () => {
    const outcome = mutatePod(pod, context, testInjectionSettings());
    if (outcome.result !== 'injected') throw new Error(outcome.result);
    const after = patched(pod, outcome.patch) as unknown as Injected;
    expect(after.metadata.annotations['weft.dev/nats-ca']).toBeUndefined();
    expect([...agentEnv(after).keys()]).not.toContain('WEFT_NATS_CA');
    expect([...agentEnv(after).keys()]).not.toContain('WEFT_NATS_CLIENT_SVID');
  });

  it('with a NATS CA file that cannot be read, injection fails instead of making an agent that cannot verify NATS', () => {
    expect(() => mutatePod(pod, { ...context, natsCaPem: '' }, testInjectionSettings({ natsCaFile: '/missing/ca.crt' }))).toThrow('the NATS CA (/missing/ca.crt) could not be read');
  });
});
