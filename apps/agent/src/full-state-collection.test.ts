import { describe, expect, it } from 'vitest';
import { FullStateCollection } from './full-state-collection.js';

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('FullStateCollection', () => {
  it('collects once, quietMs after the last of several full states in a row', async () => {
    const at: number[] = [];
    const collection = new FullStateCollection({ collect: () => at.push(performance.now()), quietMs: 60 });
    const first = performance.now();
    collection.afterFullState();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const last = performance.now();
    collection.afterFullState();
    await until(() => at.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(at).toHaveLength(1);
    expect((at[0] ?? 0) - last).toBeGreaterThanOrEqual(55);
    expect((at[0] ?? 0) - first).toBeGreaterThanOrEqual(85);
  });

  it('does nothing after stop, and nothing at all without a collector', async () => {
    let collected = 0;
    const collection = new FullStateCollection({ collect: () => collected++, quietMs: 10 });
    collection.afterFullState();
    collection.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(collected).toBe(0);
    const without = new FullStateCollection({ quietMs: 10 });
    expect(without.available).toBe((globalThis as { gc?: unknown }).gc !== undefined);
  });
});
