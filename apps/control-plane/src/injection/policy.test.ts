import { describe, expect, it } from 'vitest';
import { decideInjection } from './policy.js';

const ENABLED = { 'weft.dev/inject': 'enabled' };
const DISABLED = { 'weft.dev/inject': 'disabled' };

describe('injection - policy', () => {
  it.each([
    // namespace labels, pod labels, pod annotations, expected kind
    ['enabled namespace, no pod choice', ENABLED, {}, {}, 'inject'],
    ['unlabelled namespace, no pod choice', {}, {}, {}, 'skip'],
    ['enabled namespace, pod annotation false', ENABLED, {}, { 'weft.dev/inject': 'false' }, 'skip'],
    ['enabled namespace, pod label false', ENABLED, { 'weft.dev/inject': 'false' }, {}, 'skip'],
    ['unlabelled namespace, pod label true', {}, { 'weft.dev/inject': 'true' }, {}, 'inject'],
    ['unlabelled namespace, pod annotation true', {}, {}, { 'weft.dev/inject': 'true' }, 'inject'],
    ['disabled namespace, pod label true', DISABLED, { 'weft.dev/inject': 'true' }, {}, 'skip'],
    ['label true wins over annotation false', ENABLED, { 'weft.dev/inject': 'true' }, { 'weft.dev/inject': 'false' }, 'inject'],
    ['label false wins over annotation true', {}, { 'weft.dev/inject': 'false' }, { 'weft.dev/inject': 'true' }, 'skip'],
    ['istio label without weft label is not a conflict', { 'istio-injection': 'enabled' }, {}, {}, 'skip'],
    ['weft disabled next to istio enabled is not a conflict', { ...DISABLED, 'istio-injection': 'enabled' }, {}, {}, 'skip'],
  ] as const)('%s', (_name, ns, labels, annotations, kind) => {
    expect(decideInjection('shop', ns, labels, annotations).kind).toBe(kind);
  });

  it('refuses a namespace labelled for Weft and Istio (injection label or revision), naming both labels', () => {
    const both = decideInjection('shop', { ...ENABLED, 'istio-injection': 'enabled' }, {}, {});
    expect(both).toEqual({ kind: 'refuse', message: expect.stringContaining('weft.dev/inject=enabled and istio-injection=enabled') as unknown });
    const revision = decideInjection('shop', { ...ENABLED, 'istio.io/rev': 'canary' }, {}, {});
    expect(revision.kind === 'refuse' && revision.message).toContain('istio.io/rev=canary');
  });

  it('refuses values outside the documented ones, saying which are valid', () => {
    const ns = decideInjection('shop', { 'weft.dev/inject': 'true' }, {}, {});
    expect(ns.kind === 'refuse' && ns.message).toBe('namespace "shop" has label weft.dev/inject=true; it must be "enabled" or "disabled"');
    const pod = decideInjection('shop', ENABLED, {}, { 'weft.dev/inject': 'yes' });
    expect(pod.kind === 'refuse' && pod.message).toBe('pod annotation weft.dev/inject="yes" must be "true" or "false"');
  });
});
