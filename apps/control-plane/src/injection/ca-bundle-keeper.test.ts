import { Writable } from 'node:stream';
import type { CaBundleWrite } from '@weft/k8s';
import { createLogger } from '@weft/telemetry';
import { describe, expect, it } from 'vitest';
import { CaBundleKeeper } from './ca-bundle-keeper.js';

function capture(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ component: 'test', destination }), lines };
}

// The keeper's own logic (coalescing, retries, logging) with a scripted writer; the write against a real API server
// is covered by e2e/src/scenarios/injection-webhook.test.ts.
describe('injection - CA bundle keeper', () => {
  it('coalesces refreshes during a pass into one more pass, with the bundle of that moment', async () => {
    const written: string[] = [];
    let release: (() => void) | undefined;
    let bundle = 'root-1';
    const keeper = new CaBundleKeeper({
      configurationName: 'weft-sidecar-injector',
      bundle: () => bundle,
      write: async (_name, pem): Promise<CaBundleWrite> => {
        written.push(pem);
        if (written.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return 'updated';
      },
      log: capture().log,
    });
    const first = keeper.refresh();
    bundle = 'root-2';
    void keeper.refresh();
    void keeper.refresh();
    release?.();
    await first;
    expect(written).toEqual(['root-1', 'root-2']);
    expect(keeper.lastResult).toBe('updated');
  });

  it('a missing configuration is logged once; a failed write is logged and retried on the next pass', async () => {
    const results: (CaBundleWrite | Error)[] = ['not-found', 'not-found', new Error('connection refused'), 'updated', 'unchanged'];
    const { log, lines } = capture();
    const keeper = new CaBundleKeeper({
      configurationName: 'weft-sidecar-injector',
      bundle: () => 'root',
      write: (): Promise<CaBundleWrite> => {
        const next = results.shift();
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next ?? 'unchanged');
      },
      log,
    });
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      await keeper.refresh();
      seen.push(keeper.lastResult);
    }
    expect(seen).toEqual(['not-found', 'not-found', 'failed', 'updated', 'unchanged']);
    expect(lines.map((l) => l['msg'])).toEqual([
      'the MutatingWebhookConfiguration does not exist (yet): install it (the Helm chart does) and its caBundle will be filled in',
      'could not write the CA bundle into the webhook configuration; retrying',
      'wrote the CA bundle into the webhook configuration',
    ]);
    await keeper.stop();
    await keeper.refresh();
    expect(seen).toHaveLength(5);
  });
});
