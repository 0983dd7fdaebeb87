import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenJson } from '@weft/model/testing';
// Golden inputs are Kubernetes manifests, read by the very WorldState builder production uses. A test-only edge:
// translate itself never imports k8s.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildWorldState, parseManifests } from '../../k8s/src/world/index.js';
import { translate } from './index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

function cases(): [string, string][] {
  const out: [string, string][] = [];
  for (const area of readdirSync(FIXTURES).sort()) {
    for (const file of readdirSync(join(FIXTURES, area)).sort()) {
      if (file.endsWith('.yaml')) out.push([area, file.slice(0, -'.yaml'.length)]);
    }
  }
  return out;
}

describe('translate - golden files', () => {
  it.each(cases())('%s/%s', async (area, name) => {
    const text = readFileSync(join(FIXTURES, area, `${name}.yaml`), 'utf8');
    const parsed = parseManifests(text, `${name}.yaml`);
    const built = buildWorldState(parsed.objects);
    const { authorizationStatuses, ...config } = translate(built.world);
    // Only inputs with MeshAuthorizations show their statuses, so golden files of inputs without any stay as they were.
    const output = {
      inputDiagnostics: [...parsed.diagnostics, ...built.diagnostics],
      ...config,
      ...(authorizationStatuses.length === 0 ? {} : { authorizationStatuses }),
    };
    await expect(`${goldenJson(output)}\n`).toMatchFileSnapshot(join(FIXTURES, area, `${name}.snapshot.json`));
  });
});
