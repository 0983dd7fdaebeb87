import { describe, expect, it } from 'vitest';
import { createLogger } from '@weft/telemetry';
import { TrustBundleConfigMap } from './trust-bundle-configmap.js';

const log = createLogger({ component: 'test', level: 'silent' });
const pem = (n: string): string => `-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----`;

describe('trust bundle ConfigMap', () => {
  it('writes the roots once per change, and again after a failed write', async () => {
    const writes: string[] = [];
    let failing = false;
    const map = new TrustBundleConfigMap({
      write: (rootsPem) => {
        writes.push(rootsPem);
        return failing ? Promise.reject(new Error('forbidden')) : Promise.resolve();
      },
      log,
    });
    map.offer([]);
    await map.retry();
    expect(writes).toEqual([]);
    map.offer([pem('A')]);
    map.offer([pem('A')]);
    await map.retry();
    expect(writes).toEqual([`${pem('A')}\n`]);
    expect(map.written).toBe(`${pem('A')}\n`);
    // A rotation: both roots, once.
    failing = true;
    map.offer([pem('A'), pem('B')]);
    await map.retry();
    expect(map.written).toBe(`${pem('A')}\n`);
    failing = false;
    await map.retry();
    expect(writes.slice(1).every((w) => w === `${pem('A')}\n${pem('B')}\n`)).toBe(true);
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(map.written).toBe(`${pem('A')}\n${pem('B')}\n`);
    const count = writes.length;
    await map.retry();
    expect(writes).toHaveLength(count);
  });
});
