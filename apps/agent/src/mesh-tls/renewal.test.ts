import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MeshNameRenewal } from './renewal.js';

describe('mesh tls - early renewal pacing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks at once per change of what is missing, retries a persisting lack with growing pauses, then stops', () => {
    let renewals = 0;
    const renewal = new MeshNameRenewal({ svids: { renew: () => renewals++ }, initialMs: 1_000, maxMs: 4_000, maxRetries: 3 });
    renewal.check(['port 9080'], false);
    expect(renewals).toBe(1);
    // Another snapshot with the same lack: no new request.
    renewal.check(['port 9080'], false);
    expect(renewals).toBe(1);
    // The new SVID still lacks it: the next request after 1 s, then 2 s, then 4 s, then nothing more.
    for (const [waitMs, expected] of [[1_000, 2], [2_000, 3], [4_000, 4]] as const) {
      renewal.check(['port 9080'], true);
      vi.advanceTimersByTime(waitMs - 1);
      expect(renewals).toBe(expected - 1);
      vi.advanceTimersByTime(1);
      expect(renewals).toBe(expected);
    }
    renewal.check(['port 9080'], true);
    vi.advanceTimersByTime(60_000);
    expect(renewals).toBe(4);
    // A different lack asks at once again; a satisfied one resets.
    renewal.check(['port 9080', 'port 9901'], false);
    expect(renewals).toBe(5);
    renewal.check([], true);
    expect(renewal.attempts).toBe(0);
    renewal.check(['port 9080'], false);
    expect(renewals).toBe(6);
    renewal.stop();
  });
});
