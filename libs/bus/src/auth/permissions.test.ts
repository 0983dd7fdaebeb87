import { describe, expect, it } from 'vitest';
import { busNames } from '../names.js';
import { agentPermissions } from './permissions.js';

const names = busNames('c1');

/** NATS subject matching: `*` one token, `>` the rest. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
const allowed = (list: readonly string[], subject: string): boolean => list.some((p) => matches(p, subject));

describe('agentPermissions', () => {
  const perms = agentPermissions(names, { agents: ['shop_web-1'], scopes: ['s-a'] }, '_WEFT_INBOX.abc');

  it('permissions - lets an agent read its scope, its assignment and write its status', () => {
    const pub = perms.publish.allow;
    expect(allowed(pub, '$JS.API.DIRECT.GET.weft-c1-snap.weft.c1.snap.s-a.full')).toBe(true);
    expect(allowed(pub, '$JS.API.DIRECT.GET.weft-c1-snap.weft.c1.snap.s-a.delta')).toBe(true);
    expect(allowed(pub, '$JS.API.CONSUMER.CREATE.weft-c1-snap.oc_1.weft.c1.snap.s-a.delta')).toBe(true);
    expect(allowed(pub, '$JS.API.CONSUMER.CREATE.weft-c1-assign.oc_1.weft.c1.assign.shop_web-1')).toBe(true);
    expect(allowed(pub, '$JS.API.CONSUMER.MSG.NEXT.weft-c1-snap.oc_1')).toBe(true);
    expect(allowed(pub, '$JS.API.STREAM.INFO.weft-c1-snap')).toBe(true);
    expect(allowed(pub, 'weft.c1.status.shop_web-1')).toBe(true);
    expect(perms.subscribe.allow).toEqual(['_WEFT_INBOX.abc.>']);
  });

  it('permissions - refuses other scopes, other agents, unfiltered consumers, writes and listings', () => {
    const pub = perms.publish.allow;
    for (const subject of [
      '$JS.API.DIRECT.GET.weft-c1-snap.weft.c1.snap.s-b.full',
      '$JS.API.DIRECT.GET.weft-c1-snap',
      '$JS.API.CONSUMER.CREATE.weft-c1-snap.oc_1.weft.c1.snap.s-b.delta',
      '$JS.API.CONSUMER.CREATE.weft-c1-snap.oc_1.weft.c1.snap.>',
      '$JS.API.CONSUMER.CREATE.weft-c1-snap.oc_1',
      '$JS.API.CONSUMER.CREATE.weft-c1-snap',
      '$JS.API.CONSUMER.CREATE.weft-c1-assign.oc_1.weft.c1.assign.bank_vault-1',
      '$JS.API.CONSUMER.LIST.weft-c1-snap',
      '$JS.API.STREAM.MSG.GET.weft-c1-snap',
      '$JS.API.STREAM.INFO.weft-c1-status',
      '$JS.API.STREAM.PURGE.weft-c1-snap',
      'weft.c1.status.bank_vault-1',
      'weft.c1.snap.s-a.delta',
      'weft.c1.assign.shop_web-1',
      '$SYS.REQ.USER.AUTH',
    ]) {
      expect(allowed(pub, subject), subject).toBe(false);
    }
    expect(allowed(perms.subscribe.allow, '_INBOX.xyz.1')).toBe(false);
    expect(allowed(perms.subscribe.allow, 'weft.c1.snap.s-a.delta')).toBe(false);
  });

  it('permissions - an identity without pods gets nothing but its inbox', () => {
    expect(agentPermissions(names, { agents: [], scopes: [] }, '_WEFT_INBOX.x')).toEqual({ publish: { allow: [] }, subscribe: { allow: ['_WEFT_INBOX.x.>'] } });
  });

  it('permissions - are sorted and without repeats, whatever the order of the grant', () => {
    const a = agentPermissions(names, { agents: ['n_b', 'n_a'], scopes: ['s2', 's1', 's1'] }, '_WEFT_INBOX.x');
    const b = agentPermissions(names, { agents: ['n_a', 'n_b'], scopes: ['s1', 's2'] }, '_WEFT_INBOX.x');
    expect(a).toEqual(b);
    expect([...a.publish.allow].sort()).toEqual(a.publish.allow);
    expect(new Set(a.publish.allow).size).toBe(a.publish.allow.length);
  });
});
