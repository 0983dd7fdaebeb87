import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every harness temp folder starts with this, so a test can check that none is left behind. */
export const TEMP_PREFIX = 'weft-e2e-';

export function makeTempDir(purpose: string): string {
  return mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${purpose}-`));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
