import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// Golden inputs are Kubernetes manifests, read by the very WorldState builder production uses. A test-only edge:
// translate itself never imports k8s.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildWorldState, parseManifests } from '../../k8s/src/world/index.js';
import { translate } from './index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** JSON with 2-space indents, but short lists of scalars (hosts, vars) on one line so golden files read well. */
function pretty(value: unknown, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const flat = JSON.stringify(value);
    if (flat.length <= 100 && !flat.includes('{')) return flat;
    return `[\n${value.map((v) => `${inner}${pretty(v, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

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
    await expect(`${pretty(output)}\n`).toMatchFileSnapshot(join(FIXTURES, area, `${name}.snapshot.json`));
  });
});
