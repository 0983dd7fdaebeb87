import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LastAppliedError, LastAppliedFile } from './last-applied.js';

describe('LastAppliedFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-agent-state-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves and loads the last applied snapshot with its revision, leaving no temp file', async () => {
    const file = new LastAppliedFile<{ version: string }>(join(dir, 'nested'));
    expect(await file.load()).toBeUndefined();
    await file.save({ snapshot: { version: '7' }, revision: '41' });
    await file.save({ snapshot: { version: '8' }, revision: '45' });
    expect(await file.load()).toEqual({ snapshot: { version: '8' }, revision: '45' });
    expect(readdirSync(join(dir, 'nested'))).toEqual(['last-applied.json']);
  });

  it('refuses a damaged file with a clear error instead of serving garbage', async () => {
    const file = new LastAppliedFile(dir);
    writeFileSync(file.path, '{"snapshot": {');
    await expect(file.load()).rejects.toThrow(LastAppliedError);
    writeFileSync(file.path, '{"other": 1}');
    await expect(file.load()).rejects.toThrow(/has no snapshot and revision/);
  });
});
