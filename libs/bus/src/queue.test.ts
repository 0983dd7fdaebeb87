import { describe, expect, it } from 'vitest';
import { EventQueue } from './queue.js';

describe('EventQueue', () => {
  it('delivers pushed items in order, to a waiting reader too, then ends', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    const it = q[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    const waiting = it.next();
    q.push(2);
    expect(await waiting).toEqual({ value: 2, done: false });
    q.push(3);
    q.end();
    q.push(4);
    expect(await it.next()).toEqual({ value: 3, done: false });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('runs onReturn when the reader leaves early, and has a single reader', async () => {
    let returned = 0;
    const q = new EventQueue<string>(() => {
      returned++;
    });
    q.push('a');
    q.push('b');
    for await (const item of q) {
      expect(item).toBe('a');
      break;
    }
    expect(returned).toBe(1);
    expect(q.ended).toBe(true);
    expect(() => q[Symbol.asyncIterator]()).toThrow(/single reader/);
  });
});
