import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): { stream: PassThrough; lines: () => Record<string, unknown>[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return {
    stream,
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines that carry the component, also from children', () => {
    const out = capture();
    const log = createLogger({ component: 'control-plane', destination: out.stream });
    log.info({ version: 7 }, 'published');
    log.child({ scope: 'push' }).warn('slow');
    const [first, second] = out.lines();
    expect(first).toMatchObject({ component: 'control-plane', version: 7, msg: 'published', level: 30 });
    expect(second).toMatchObject({ component: 'control-plane', scope: 'push', msg: 'slow', level: 40 });
    expect(typeof first?.['time']).toBe('string');
  });

  it('drops lines below its level', () => {
    const out = capture();
    const log = createLogger({ component: 'agent', level: 'warn', destination: out.stream });
    log.info('hidden');
    log.error('shown');
    expect(out.lines().map((l) => l['msg'])).toEqual(['shown']);
  });
});
