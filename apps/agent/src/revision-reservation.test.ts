import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REVISION_BLOCK, RevisionReservation } from './revision-reservation.js';

describe('RevisionReservation', () => {
  it('reserves revisions a block at a time, kept across loads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-agent-rev-'));
    try {
      const reservation = await RevisionReservation.load(dir);
      expect(reservation.reserved).toBe(0);
      await reservation.cover(2);
      expect(reservation.reserved).toBe(2 + REVISION_BLOCK);
      // Inside the block: no write, nothing moves.
      await reservation.cover(REVISION_BLOCK);
      expect(reservation.reserved).toBe(2 + REVISION_BLOCK);
      expect((await RevisionReservation.load(dir)).reserved).toBe(2 + REVISION_BLOCK);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
