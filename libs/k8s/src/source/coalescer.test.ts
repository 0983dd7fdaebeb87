import { describe, expect, it } from 'vitest';
import { Coalescer } from './coalescer.js';

async function until(cond: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Coalescer', () => {
  it('merges a burst into one batch with every reason', async () => {
    const batches: string[][] = [];
    const c = new Coalescer<string>({ quietMs: 20, maxDelayMs: 500 }, (reasons) => {
      batches.push([...reasons].sort());
    });
    c.trigger('Service');
    c.trigger('EndpointSlice');
    c.trigger('Service');
    await until(() => batches.length === 1);
    await c.idle();
    expect(batches).toEqual([['EndpointSlice', 'Service']]);
  });

  it('runs by the cap even while changes keep coming (a storm still converges)', async () => {
    const batches: number[] = [];
    const c = new Coalescer<string>({ quietMs: 40, maxDelayMs: 100 }, (_r, waited) => {
      batches.push(waited);
    });
    const started = Date.now();
    const storm = setInterval(() => { c.trigger('Pod'); }, 10);
    try {
      await until(() => batches.length >= 1, 1_000);
    } finally {
      clearInterval(storm);
    }
    // Without the cap the 10 ms storm would never leave 40 ms of quiet.
    expect(Date.now() - started).toBeLessThan(600);
    expect(batches[0]).toBeGreaterThanOrEqual(90);
    c.stop();
  });

  it('keeps one run in flight and folds what arrives meanwhile into the next batch', async () => {
    let running = 0;
    let maxRunning = 0;
    const batches: string[][] = [];
    let release: (() => void) | undefined;
    const c = new Coalescer<string>({ quietMs: 5, maxDelayMs: 50 }, async (reasons) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      batches.push([...reasons].sort());
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      running--;
    });
    c.trigger('Service');
    await until(() => release !== undefined);
    c.trigger('Pod');
    c.trigger('HTTPRoute');
    release!();
    await until(() => batches.length === 2);
    await c.idle();
    expect(batches).toEqual([['Service'], ['HTTPRoute', 'Pod']]);
    expect(maxRunning).toBe(1);
  });
});
