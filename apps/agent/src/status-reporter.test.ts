import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '@weft/bus';
import { createLogger } from '@weft/telemetry';
import { StatusReporter } from './status-reporter.js';

const logger = createLogger({ component: 'test', level: 'silent' });
const status = (version: string): AgentStatus => ({ agent: 'a', scope: 's', appliedVersion: version, hash: 'h', applyLatencyMs: 1, lastError: null, at: '' });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/**
 * A running reporter whose sends are recorded: every attempt's time, and each report that went through (its version
 * and time). The first `failures` sends fail as a NATS outage would.
 */
function recordingReporter(options: { readonly current: () => AgentStatus | undefined; readonly intervalMs?: number; readonly delayMs?: number; readonly retryMs?: number; readonly failures?: number }) {
  const attempts: number[] = [];
  const sent: { readonly version: string; readonly at: number }[] = [];
  let failures = options.failures ?? 0;
  const reporter = new StatusReporter({
    current: options.current,
    send: (s) => {
      attempts.push(performance.now());
      if (failures > 0) {
        failures--;
        return Promise.reject(new Error('NATS down'));
      }
      sent.push({ version: s.appliedVersion ?? '', at: performance.now() });
      return Promise.resolve();
    },
    intervalMs: options.intervalMs ?? 60_000,
    ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
    ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    logger,
  });
  const stopping = new AbortController();
  const running = reporter.run(stopping.signal);
  return {
    reporter,
    attempts,
    sent,
    versions: () => sent.map((s) => s.version),
    /** Aborts the run; resolves with how long it took to end. */
    async stop(): Promise<number> {
      const t0 = performance.now();
      stopping.abort();
      await running;
      return performance.now() - t0;
    },
  };
}

describe('StatusReporter', () => {
  it('reports at once, after each trigger, and again until a failed report goes through', async () => {
    let version = '1';
    const run = recordingReporter({ current: () => status(version), retryMs: 10, failures: 2 });
    await until(() => run.sent.length === 1);
    expect(run.versions()).toEqual(['1']);
    version = '2';
    run.reporter.trigger();
    await until(() => run.sent.length === 2);
    expect(run.versions()).toEqual(['1', '2']);
    await run.stop();
  });

  it('reports every interval when nothing changes, and nothing before there is a status', async () => {
    let ready = false;
    const run = recordingReporter({ current: () => (ready ? status('1') : undefined), intervalMs: 20 });
    await sleep(50);
    expect(run.attempts).toHaveLength(0);
    ready = true;
    await until(() => run.sent.length >= 3);
    await run.stop();
  });
});

describe('StatusReporter delay', () => {
  it('reports a change delayMs after it, folding the versions applied meanwhile into one report', async () => {
    let version = '1';
    const run = recordingReporter({ current: () => status(version), delayMs: 150 });
    await until(() => run.sent.length === 1);
    const changedAt = performance.now();
    for (const v of ['2', '3', '4']) {
      version = v;
      run.reporter.trigger();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => run.sent.length === 2);
    // Give a wrongly eager reporter the chance to send the versions one by one.
    await sleep(200);
    await run.stop();
    expect(run.versions()).toEqual(['1', '4']);
    expect((run.sent[1]?.at ?? 0) - changedAt).toBeGreaterThanOrEqual(140);
  });

  it('stops at once when aborted during the delay, without reporting', async () => {
    const run = recordingReporter({ current: () => status('1'), delayMs: 60_000 });
    await sleep(20);
    expect(await run.stop()).toBeLessThan(500);
    expect(run.attempts).toHaveLength(0);
  });
});

describe('StatusReporter retries', () => {
  it('waits retryMs between failed reports instead of retrying at once', async () => {
    const run = recordingReporter({ current: () => status('1'), retryMs: 40, failures: 3 });
    await until(() => run.attempts.length === 4);
    await run.stop();
    const gaps = run.attempts.slice(1).map((t, i) => t - (run.attempts[i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(35);
  });

  it('stops at once when aborted during a long pause', async () => {
    const run = recordingReporter({ current: () => status('1') });
    await sleep(20);
    expect(await run.stop()).toBeLessThan(500);
  });
});
