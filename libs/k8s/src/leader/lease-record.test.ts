import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { formatMicroTime, holderOf, recordKey } from './lease-record.js';
import { WakeableSleep } from './wakeable-sleep.js';

describe('lease record helpers', () => {
  it('leader - MicroTime has six fractional digits, as Kubernetes writes it', () => {
    expect(formatMicroTime(new Date('2026-11-23T10:00:00.123Z'))).toBe('2026-11-23T10:00:00.123000Z');
    expect(formatMicroTime(new Date('2026-11-23T10:00:00Z'))).toBe('2026-11-23T10:00:00.000000Z');
  });

  it('leader - any change of the record changes its key; other fields do not', () => {
    const spec = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: 't0', renewTime: 't1', leaseTransitions: 2 };
    const key = recordKey(spec);
    expect(recordKey({ ...spec })).toBe(key);
    for (const changed of [{ holderIdentity: 'b' }, { renewTime: 't2' }, { leaseDurationSeconds: 1 }, { leaseTransitions: 3 }, { acquireTime: 't9' }]) {
      expect(recordKey({ ...spec, ...changed })).not.toBe(key);
    }
    expect(recordKey(undefined)).toBe(recordKey({}));
  });

  it('leader - an empty holder means nobody holds the lease', () => {
    expect(holderOf(undefined)).toBeUndefined();
    expect(holderOf({ spec: { holderIdentity: '' } })).toBeUndefined();
    expect(holderOf({ spec: { holderIdentity: 'cp-0' } })).toBe('cp-0');
  });
});

describe('WakeableSleep', () => {
  it('leader - a wake cuts a sleep short, and a wake while awake is kept for the next sleep', async () => {
    const sleep = new WakeableSleep();
    const started = performance.now();
    const sleeping = sleep.for(10_000);
    sleep.wake();
    await sleeping;
    sleep.wake();
    await sleep.for(10_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    // Only one pending wake is kept: the next sleep lasts its time.
    const before = performance.now();
    await sleep.for(30);
    expect(performance.now() - before).toBeGreaterThanOrEqual(25);
  });
});
