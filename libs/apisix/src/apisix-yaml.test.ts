import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emptyApisixResources } from '@weft/model';
import type { ApisixResources } from '@weft/model';
import { renderApisixYaml, writeApisixYaml } from './apisix-yaml.js';
import { InvalidResourceError } from './errors.js';

const resources = (uri: string): ApisixResources => ({
  ...emptyApisixResources(),
  routes: [{ id: 'r1', uri, upstream_id: 'u1', methods: ['GET'] }],
  upstreams: [{ id: 'u1', nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], pass_host: 'rewrite', upstream_host: 'svc.ns' }],
  global_rules: [{ id: 'g1', plugins: { 'request-id': {} } }],
});

describe('apisix.yaml', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-apisix-yaml-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('apisix yaml - one top-level key per kind, items with id, #END in the last 10 bytes', () => {
    const text = renderApisixYaml(resources('/a'));
    expect(/#END\s*$/.test(text.slice(-10))).toBe(true);
    const doc = parse(text) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(['global_rules', 'plugin_configs', 'routes', 'ssls', 'stream_routes', 'upstreams']);
    expect(doc['routes']).toEqual([{ id: 'r1', methods: ['GET'], upstream_id: 'u1', uri: '/a' }]);
    expect(doc['upstreams']).toEqual(resources('/a').upstreams);
    expect(doc['global_rules']).toEqual([{ id: 'g1', plugins: { 'request-id': {} } }]);
    expect(doc['ssls']).toEqual([]);
  });

  it('apisix yaml - refuses a value APISIX would read as ${{ENV}}, and duplicate ids', () => {
    expect(() => renderApisixYaml(resources('/${{HOME}}'))).toThrow(InvalidResourceError);
    const dup = { ...resources('/a'), routes: [...resources('/a').routes, ...resources('/b').routes] };
    expect(() => renderApisixYaml(dup)).toThrow(InvalidResourceError);
  });

  it('apisix yaml - writes atomically with a strictly increasing whole-second mtime, even twice in one second', async () => {
    const path = join(dir, 'apisix.yaml');
    const now = (): number => 1_900_000_000_500; // frozen clock: every write lands in the same second
    const first = await writeApisixYaml(path, resources('/a'), { now });
    expect(first.mtimeSeconds).toBe(1_900_000_000);
    expect(Math.floor(statSync(path).mtimeMs / 1000)).toBe(1_900_000_000);
    const second = await writeApisixYaml(path, resources('/b'), { now });
    const third = await writeApisixYaml(path, resources('/c'), { now });
    expect([second.mtimeSeconds, third.mtimeSeconds]).toEqual([1_900_000_001, 1_900_000_002]);
    expect(Math.floor(statSync(path).mtimeMs / 1000)).toBe(1_900_000_002);
    expect(readFileSync(path, 'utf8')).toBe(renderApisixYaml(resources('/c')));
    expect(third.bytes).toBe(statSync(path).size);
    expect(readdirSync(dir)).toEqual(['apisix.yaml']);
    // A refused state leaves the last good file in place.
    await expect(writeApisixYaml(path, resources('/${{X}}'), { now })).rejects.toThrow(InvalidResourceError);
    expect(readFileSync(path, 'utf8')).toContain('uri: /c');
    expect(readdirSync(dir)).toEqual(['apisix.yaml']);
  });
});
