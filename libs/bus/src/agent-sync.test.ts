import { describe, expect, it } from 'vitest';
import type { AgentStatus } from './types.js';
import { AgentTracker } from './agent-sync.js';

const now = Date.parse('2026-11-23T12:00:00Z');
function status(agent: string, over: Partial<AgentStatus>): AgentStatus {
  return { agent, scope: 's1', appliedVersion: '10', hash: 'h10', applyLatencyMs: 3, lastError: null, at: '2026-11-23T11:59:58Z', ...over };
}

describe('AgentTracker', () => {
  it('tells in-sync, behind, error and stale agents apart', () => {
    const tracker = new AgentTracker(30_000);
    tracker.record(status('shop_a', {}));
    tracker.record(status('shop_b', { appliedVersion: '7', hash: 'h7' }));
    tracker.record(status('shop_c', { lastError: 'schema: routes/r1 uri: missing' }));
    tracker.record(status('shop_d', { at: '2026-11-23T11:58:00Z' }));
    const latest = new Map([['s1', { version: '10', hash: 'h10' }]]);
    expect(tracker.views(latest, now).map((v) => [v.agent, v.state, v.latestVersion])).toEqual([
      ['shop_a', 'in-sync', '10'],
      ['shop_b', 'behind', '10'],
      ['shop_c', 'error', '10'],
      ['shop_d', 'stale', '10'],
    ]);
    expect(tracker.counts(latest, now)).toEqual({ 'in-sync': 1, behind: 1, error: 1, stale: 1 });
  });

  it('keeps only the newest report per agent', () => {
    const tracker = new AgentTracker(30_000);
    tracker.record(status('shop_a', { appliedVersion: '7', hash: 'h7' }));
    tracker.record(status('shop_a', {}));
    expect(tracker.views(new Map([['s1', { version: '10', hash: 'h10' }]]), now)).toHaveLength(1);
    expect(tracker.views(new Map([['s1', { version: '10', hash: 'h10' }]]), now)[0]?.state).toBe('in-sync');
  });
});
