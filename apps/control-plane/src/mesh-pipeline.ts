import { performance } from 'node:perf_hooks';
import type { MeshConfig, WorldState } from '@weft/model';
import { buildWorldState } from '@weft/k8s';
import type { DesiredRouteStatus, ObjectSet, StatusWriteResult } from '@weft/k8s';
import { agentIdOf } from '@weft/bus';
import type { FullState, PublishResult } from '@weft/bus';
import { checkConsistency, contentHash, diffResources, validateResources } from '@weft/snapshot';
import type { SnapshotContent } from '@weft/snapshot';
import type { Logger } from '@weft/telemetry';
import type { ControlPlaneMetrics } from './metrics.js';

/** The NATS side of the pipeline (a ScopePublisher plus assignments), narrowed for testing and wiring. */
export interface MeshPublisher {
  publishScope(scope: string, full: FullState, delta?: { readonly baseHash: string; readonly document: unknown }): Promise<PublishResult>;
  publishAssignment(agentId: string, scope: string): Promise<unknown>;
  deleteAssignment(agentId: string): Promise<unknown>;
}

export interface MeshPipelineOptions {
  readonly log: Logger;
  readonly metrics: ControlPlaneMetrics;
  readonly clusterDomain: string;
  readonly translate: (world: WorldState) => MeshConfig;
  readonly publisher: MeshPublisher;
  /** Writes route status; only the leader passes one. */
  readonly statusWriter?: { write(statuses: readonly DesiredRouteStatus[]): Promise<StatusWriteResult> };
  /** The trust bundle every scope carries (PEM roots). */
  readonly trustBundle: () => readonly string[];
}

interface Published {
  readonly content: SnapshotContent;
  readonly hash: string;
  readonly version: string;
}

/** What one pass of the pipeline did, for logs, tests and `/debug/mesh`. */
export interface PipelineRun {
  readonly objects: number;
  readonly scopes: number;
  readonly published: readonly { readonly scope: string; readonly version: string; readonly record: string; readonly deltaBytes: number }[];
  readonly rejected: readonly { readonly scope: string; readonly problems: readonly string[] }[];
  readonly translateMs: number;
  readonly diagnostics: readonly string[];
  readonly status: StatusWriteResult | undefined;
}

/**
 * One pass: objects → WorldState → translate → for each scope whose content hash changed, validate and publish its
 * full state with the delta from the last published one → assign workloads to scopes → write route status.
 * A scope that fails validation is not published (its last good version keeps serving) and is reported.
 */
export class MeshPipeline {
  private readonly published = new Map<string, Published>();
  private readonly assigned = new Map<string, string>();
  private lastRun: PipelineRun | undefined;
  private lastMesh: MeshConfig | undefined;
  private lastWorld: WorldState | undefined;

  constructor(private readonly options: MeshPipelineOptions) {}

  get last(): PipelineRun | undefined {
    return this.lastRun;
  }

  get mesh(): MeshConfig | undefined {
    return this.lastMesh;
  }

  /** Versions published so far, per scope. */
  versions(): ReadonlyMap<string, { readonly version: string; readonly hash: string }> {
    return new Map([...this.published].map(([scope, p]) => [scope, { version: p.version, hash: p.hash }]));
  }

  async apply(set: ObjectSet): Promise<PipelineRun> {
    const { log, metrics } = this.options;
    metrics.batchWaitSeconds.observe(set.waitedMs / 1000);
    const started = performance.now();
    // With the previous world, unchanged objects keep their views and the translator's caches hold.
    const built = buildWorldState(set.objects, {
      clusterDomain: this.options.clusterDomain,
      ...(this.lastWorld === undefined ? {} : { previous: this.lastWorld }),
    });
    this.lastWorld = built.world;
    const mesh = this.options.translate(built.world);
    const translateMs = performance.now() - started;
    metrics.translateSeconds.observe(translateMs / 1000);
    metrics.worldObjects.set(set.objects.length);
    metrics.scopes.set(Object.keys(mesh.scopes).length);
    metrics.workloads.set(Object.keys(mesh.workloads).length);
    const diagnostics = [
      ...set.problems,
      ...built.diagnostics.map((d) => `${d.object}: ${d.message}`),
      ...mesh.diagnostics.map((d) => `${d.object}: ${d.message}`),
    ];
    metrics.diagnostics.set(diagnostics.length);
    this.lastMesh = mesh;

    const trustBundle = this.options.trustBundle();
    const published: PipelineRun['published'][number][] = [];
    const rejected: PipelineRun['rejected'][number][] = [];
    for (const [scope, resources] of Object.entries(mesh.scopes)) {
      const content: SnapshotContent = { resources, trustBundle };
      const hash = contentHash(resources, trustBundle);
      const before = this.published.get(scope);
      if (before?.hash === hash) continue;
      const problems = [...validateResources(resources), ...checkConsistency(resources)].map((p) => `${p.kind ?? ''}/${p.id ?? ''} ${p.path}: ${p.message}`);
      if (problems.length > 0) {
        metrics.publishes.inc({ result: 'rejected' });
        rejected.push({ scope, problems });
        log.error({ scope, problems: problems.slice(0, 20) }, 'translated scope failed validation; its last good version keeps serving');
        continue;
      }
      try {
        const delta = before === undefined ? undefined : { baseHash: before.hash, document: diffResources(before.content, content) };
        const result = await this.options.publisher.publishScope(scope, { hash, document: content }, delta);
        this.published.set(scope, { content, hash, version: result.version });
        metrics.publishes.inc({ result: result.published ? 'published' : 'unchanged' });
        if (result.published) {
          metrics.snapshotBytes.observe(result.fullBytes);
          if (result.record === 'delta') metrics.deltaBytes.observe(result.deltaBytes);
          metrics.latestVersion.set(Number(result.version));
          published.push({ scope, version: result.version, record: result.record, deltaBytes: result.deltaBytes });
        }
      } catch (err) {
        metrics.publishes.inc({ result: 'failed' });
        log.error({ scope, err: (err as Error).message }, 'publishing scope failed; will retry on the next change');
      }
    }
    // Forget scopes that no longer exist, so a scope id that comes back is published afresh.
    for (const scope of [...this.published.keys()]) if (!(scope in mesh.scopes)) this.published.delete(scope);

    await this.assign(mesh);

    const status = this.options.statusWriter === undefined ? undefined : await this.writeStatus(mesh);
    const run: PipelineRun = {
      objects: set.objects.length,
      scopes: Object.keys(mesh.scopes).length,
      published,
      rejected,
      translateMs,
      diagnostics,
      status,
    };
    this.lastRun = run;
    log.info(
      {
        reasons: set.reasons,
        objects: run.objects,
        scopes: run.scopes,
        published: published.length,
        versions: published.map((p) => `${p.scope}@${p.version}`).slice(0, 10),
        rejected: rejected.length,
        translateMs: Math.round(translateMs * 10) / 10,
        quietMs: set.waitedMs,
        diagnostics: diagnostics.length,
      },
      'mesh pushed',
    );
    return run;
  }

  /** Publishes workload → scope assignments after the scopes they point at, and removes those of gone workloads. */
  private async assign(mesh: MeshConfig): Promise<void> {
    const wanted = new Map<string, string>();
    for (const [workload, scope] of Object.entries(mesh.workloads)) {
      const [ns = '', pod = ''] = workload.split('/');
      if (!this.published.has(scope)) continue; // its scope failed validation or publishing: keep the old one
      wanted.set(agentIdOf(ns, pod), scope);
    }
    for (const [agent, scope] of wanted) {
      if (this.assigned.get(agent) === scope) continue;
      try {
        await this.options.publisher.publishAssignment(agent, scope);
        this.assigned.set(agent, scope);
      } catch (err) {
        this.options.log.error({ agent, scope, err: (err as Error).message }, 'publishing an assignment failed');
      }
    }
    for (const agent of [...this.assigned.keys()]) {
      if (wanted.has(agent)) continue;
      try {
        await this.options.publisher.deleteAssignment(agent);
        this.assigned.delete(agent);
      } catch (err) {
        this.options.log.warn({ agent, err: (err as Error).message }, 'removing an assignment failed');
      }
    }
  }

  private async writeStatus(mesh: MeshConfig): Promise<StatusWriteResult | undefined> {
    const writer = this.options.statusWriter;
    if (writer === undefined) return undefined;
    const result = await writer.write(mesh.routeStatuses);
    this.options.metrics.statusWrites.inc({ result: 'written' }, result.written);
    this.options.metrics.statusWrites.inc({ result: 'unchanged' }, result.unchanged);
    this.options.metrics.statusWrites.inc({ result: 'failed' }, result.failed);
    return result;
  }
}
