import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '@weft/k8s';
import type { KubeObject, ObjectSet, StatusWriteOptions } from '@weft/k8s';
import type { PublishResult } from '@weft/bus';
import { createTranslator } from '@weft/translate';
import { createLogger, createMetricsRegistry } from '@weft/telemetry';
import { MeshPipeline } from '../mesh-pipeline.js';
import type { MeshPublisher } from '../mesh-pipeline.js';
import { createControlPlaneMetrics } from '../metrics.js';
import { pipelineHandlers } from './pipeline-handlers.js';

const MESH = fileURLToPath(new URL('../../../../examples/mesh/', import.meta.url));
const log = createLogger({ component: 'test', level: 'silent' });

function exampleSet(): ObjectSet {
  const objects = ['namespaces.yaml', 'services.yaml', 'endpointslices.yaml', 'pods.yaml', 'routes.yaml'].flatMap(
    (file) => parseManifests(readFileSync(`${MESH}${file}`, 'utf8'), file).objects as KubeObject[],
  );
  return { objects, reasons: ['Manifests'], problems: [], waitedMs: 0 };
}

/** Records what the pipeline sends; `onPublish` runs after each scope publish (to lose leadership mid-pass). */
function recorder(onPublish: () => void = () => undefined) {
  const scopes: string[] = [];
  const assignments: string[] = [];
  const statusCalls: number[] = [];
  let seq = 0;
  const publisher: MeshPublisher = {
    publishScope: (scope, full) => {
      scopes.push(scope);
      onPublish();
      const result: PublishResult = { scope, version: String(++seq), hash: full.hash, published: true, record: 'reset', messages: 2, deltaBytes: 0, checkpoint: true, fullBytes: 1 };
      return Promise.resolve(result);
    },
    publishAssignment: (agent) => {
      assignments.push(agent);
      return Promise.resolve(true);
    },
    deleteAssignment: () => Promise.resolve(),
  };
  const statusWriter = {
    write: (statuses: readonly unknown[], options?: StatusWriteOptions) => {
      let written = 0;
      for (const _ of statuses) {
        if (options?.shouldContinue?.() === false) break;
        written++;
      }
      statusCalls.push(written);
      return Promise.resolve({ written, unchanged: 0, failed: 0 });
    },
  };
  return { publisher, statusWriter, scopes, assignments, statusCalls };
}

function pipeline(isLeader: () => boolean, rec: ReturnType<typeof recorder>): MeshPipeline {
  const translator = createTranslator();
  return new MeshPipeline({
    log,
    metrics: createControlPlaneMetrics(createMetricsRegistry({ component: 'test' })),
    clusterDomain: 'cluster.local',
    translate: (world) => translator.translate(world),
    publisher: rec.publisher,
    statusWriter: rec.statusWriter,
    isLeader,
    trustBundle: () => [],
  });
}

describe('the mesh pipeline under leader election', () => {
  it('pipeline - a follower translates but publishes, assigns and writes nothing; on taking over it publishes the last translation', async () => {
    let leader = false;
    const rec = recorder();
    const p = pipeline(() => leader, rec);
    const run = await p.apply(exampleSet());
    expect(run.leader).toBe(false);
    expect(run.scopes).toBeGreaterThan(1);
    expect(p.mesh).toBeDefined();
    expect([rec.scopes, rec.assignments, rec.statusCalls]).toEqual([[], [], []]);

    leader = true;
    const took = await p.publishLatest('became-leader');
    expect(took?.leader).toBe(true);
    expect(took?.translateMs).toBe(run.translateMs); // no second translation
    expect(rec.scopes.length).toBe(run.scopes);
    expect(rec.assignments.length).toBeGreaterThan(0);
    expect(rec.statusCalls).toHaveLength(1);
    expect(rec.statusCalls[0]).toBeGreaterThan(0);
    expect(p.versions().size).toBe(run.scopes);
  });

  it('pipeline - losing leadership in the middle of a pass stops publishing, assignments and status at once', async () => {
    let leader = true;
    const rec = recorder(() => {
      leader = false; // lost right after the first scope
    });
    const p = pipeline(() => leader, rec);
    const run = await p.apply(exampleSet());
    expect(run.scopes).toBeGreaterThan(1);
    expect(rec.scopes).toHaveLength(1);
    expect(rec.assignments).toEqual([]);
    expect(rec.statusCalls).toEqual([]);
  });

  it('pipeline - after stepping down it forgets what it published, so a later term publishes every scope again (the heads decide)', async () => {
    let leader = true;
    const rec = recorder();
    const p = pipeline(() => leader, rec);
    const handlers = pipelineHandlers(p, { log, renewPublisher: () => undefined, resetStatus: () => undefined });
    const first = await p.apply(exampleSet());
    expect(rec.scopes).toHaveLength(first.scopes);
    // Unchanged input: nothing to publish while this replica's memory holds.
    await p.apply(exampleSet());
    expect(rec.scopes).toHaveLength(first.scopes);

    leader = false;
    await handlers.onStoppedLeading('lost');
    expect(p.versions().size).toBe(0);
    leader = true;
    await p.publishLatest('became-leader');
    expect(rec.scopes).toHaveLength(first.scopes * 2);
  });

  it('pipeline - taking over renews the publisher and resets the status memory before publishing', async () => {
    const calls: string[] = [];
    const rec = recorder(() => calls.push('publish'));
    const p = pipeline(() => true, rec);
    await p.apply(exampleSet());
    calls.length = 0;
    await p.forgetPublished();
    const handlers = pipelineHandlers(p, { log, renewPublisher: () => calls.push('renew'), resetStatus: () => calls.push('reset') });
    handlers.onStartedLeading();
    await p.publishLatest('flush'); // queued behind the takeover pass
    expect(calls.slice(0, 3)).toEqual(['renew', 'reset', 'publish']);
  });
});
