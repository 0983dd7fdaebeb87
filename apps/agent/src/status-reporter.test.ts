import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '@weft/bus';
import { createLogger } from '@weft/telemetry';
import { StatusReporter } from './status-reporter.js';

const logger = createLogger({ component: 'test', level: 'silent' });
const status = (version: string): AgentStatus => ({ agent: 'a', scope: 's', appliedVersion: version, hash: 'h', applyLatencyMs: 1, lastError: null, at: '' });

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('StatusReporter', () => {
  it('reports at once, after each trigger, and again until a failed report goes through', async () => {
    let version = '1';
    let failures = 2;
    const sent: string[] = [];
    const reporter = new StatusReporter({
      current: () => status(version),
      send: (s) => {
        if (failures > 0) {
          failures--;
          return Promise.reject(new Error('NATS down'));
        }
        sent.push(s.appliedVersion ?? '');
        return Promise.resolve();
      },
      intervalMs: 60_000,
      retryMs: 10,
      logger,
    });
    const stop = new AbortController();
    const running = reporter.run(stop.signal);
    await until(() => sent.length === 1);
    expect(sent).toEqual(['1']);
    version = '2';
    reporter.trigger();
    await until(() => sent.length === 2);
    expect(sent).toEqual(['1', '2']);
    stop.abort();
    await running;
  });

  it('reports every interval when nothing changes, and nothing before there is a status', async () => {
    let ready = false;
    let sent = 0;
    const reporter = new StatusReporter({
      current: () => (ready ? status('1') : undefined),
      send: () => {
        sent++;
        return Promise.resolve();
      },
      intervalMs: 20,
      logger,
    });
    const stop = new AbortController();
    const running = reporter.run(stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toBe(0);
    ready = true;
    await until(() => sent >= 3);
    stop.abort();
    await running;
  });
});

describe('StatusReporter delay', () => {
  it('reports a change delayMs after it, folding the versions applied meanwhile into one report', async () => {
    let version = '1';
    const sent: { version: string; at: number }[] = [];
    const reporter = new StatusReporter({
      current: () => status(version),
      send: (s) => {
        sent.push({ version: s.appliedVersion ?? '', at: performance.now() });
        return Promise.resolve();
      },
      intervalMs: 60_000,
      delayMs: 150,
      logger,
    });
    const stop = new AbortController();
    const running = reporter.run(stop.signal);
    await until(() => sent.length === 1);
    const changedAt = performance.now();
    for (const v of ['2', '3', '4']) {
      version = v;
      reporter.trigger();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => sent.length === 2);
    // Give a wrongly eager reporter the chance to send the versions one by one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop.abort();
    await running;
    expect(sent.map((s) => s.version)).toEqual(['1', '4']);
    expect((sent[1]?.at ?? 0) - changedAt).toBeGreaterThanOrEqual(140);
  });

  it('stops at once when aborted during the delay, without reporting', async () => {
    let sent = 0;
    const reporter = new StatusReporter({
      current: () => status('1'),
      send: () => {
        sent++;
        return Promise.resolve();
      },
      intervalMs: 60_000,
      delayMs: 60_000,
      logger,
    });
    const stop = new AbortController();
    const running = reporter.run(stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const t0 = performance.now();
    stop.abort();
    await running;
    expect(performance.now() - t0).toBeLessThan(500);
    expect(sent).toBe(0);
  });
});

describe('StatusReporter retries', () => {
  it('waits retryMs between failed reports instead of retrying at once', async () => {
    const attempts: number[] = [];
    const reporter = new StatusReporter({
      current: () => status('1'),
      send: () => {
        attempts.push(performance.now());
        return attempts.length < 4 ? Promise.reject(new Error('NATS down')) : Promise.resolve();
      },
      intervalMs: 60_000,
      retryMs: 40,
      logger,
    });
    const stop = new AbortController();
    const running = reporter.run(stop.signal);
    await until(() => attempts.length === 4);
    stop.abort();
    await running;
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(35);
  });

  it('stops at once when aborted during a long pause', async () => {
    const reporter = new StatusReporter({ current: () => status('1'), send: () => Promise.resolve(), intervalMs: 60_000, logger });
    const stop = new AbortController();
    const running = reporter.run(stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const t0 = performance.now();
    stop.abort();
    await running;
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
