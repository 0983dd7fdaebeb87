import { performance } from 'node:perf_hooks';
import type { MeshConfig, WorldState } from '@weft/model';
import { buildWorldState } from '@weft/k8s';
import type { DesiredConditionsStatus, DesiredRouteStatus, ObjectSet, StatusWriteOptions, StatusWriteResult } from '@weft/k8s';
import { agentIdOf } from '@weft/bus';
import type { DeltaState, FullState, PublishResult } from '@weft/bus';
import type { Logger } from '@weft/telemetry';
import type { ControlPlaneMetrics } from './metrics.js';
import { PublishedScopes } from './published-scopes.js';
import type { PreparedScope } from './published-scopes.js';

/** The NATS side of the pipeline (a ScopePublisher plus assignments), narrowed for testing and wiring. */
export interface MeshPublisher {
  publishScope(scope: string, full: FullState, delta?: DeltaState): Promise<PublishResult>;
  publishAssignment(agentId: string, scope: string): Promise<unknown>;
  deleteAssignment(agentId: string): Promise<unknown>;
  /** Every stored assignment: read once per leadership, so only differences are written (see `assign`). */
  readAssignments?(): Promise<ReadonlyMap<string, string>>;
  /** Writes an assignment without reading the stored one (used once the table is known). */
  storeAssignment?(agentId: string, scope: string): Promise<unknown>;
}

interface AssignmentTask {
  readonly agent: string;
  run(): Promise<void>;
}

/** Assignment writes in flight at once: JetStream acks each, so one at a time costs a round trip per pod. */
const ASSIGNMENT_WINDOW = 256;

export interface MeshPipelineOptions {
  readonly log: Logger;
  readonly metrics: ControlPlaneMetrics;
  readonly clusterDomain: string;
  readonly translate: (world: WorldState) => MeshConfig;
  readonly publisher: MeshPublisher;
  /** Writes route status (the Kubernetes source); it is used only while `isLeader()` holds. */
  readonly statusWriter?: {
    write(statuses: readonly DesiredRouteStatus[], options?: StatusWriteOptions): Promise<StatusWriteResult>;
    /** MeshAuthorization conditions, written after the routes' status when the writer has it. */
    writeAuthorizations?(statuses: readonly DesiredConditionsStatus[], options?: StatusWriteOptions): Promise<StatusWriteResult>;
  };
  /**
   * Whether this replica may publish and write status now (default: always). A follower translates every change
   * but publishes nothing, so it can take over within one pass; checked before each write, so a replica that
   * steps down stops at once, even in the middle of a pass.
   */
  readonly isLeader?: () => boolean;
  /** The trust bundle every scope carries (PEM roots). */
  readonly trustBundle: () => readonly string[];
}

/** What one pass of the pipeline did, for logs, tests and `/debug/mesh`. */
export interface PipelineRun {
  readonly objects: number;
  readonly scopes: number;
  readonly published: readonly { readonly scope: string; readonly version: string; readonly record: string; readonly deltaBytes: number; readonly checkpoint: boolean }[];
  readonly rejected: readonly { readonly scope: string; readonly problems: readonly string[] }[];
  readonly translateMs: number;
  readonly diagnostics: readonly string[];
  readonly status: StatusWriteResult | undefined;
  /** False when this replica translated but did not publish (a follower). */
  readonly leader: boolean;
}

/** What a translation produced, kept so a replica that becomes leader publishes it without translating again. */
interface Translated {
  readonly mesh: MeshConfig;
  readonly objects: number;
  readonly translateMs: number;
  readonly diagnostics: readonly string[];
}

/**
 * One pass: objects → WorldState → translate → for each scope whose content hash changed, validate and publish its
 * full state with the delta from the last published one → assign workloads to scopes → write route status.
 * A scope that fails validation is not published (its last good version keeps serving) and is reported.
 * Passes run one at a time. Only a leader publishes; a follower stops after translating.
 */
export class MeshPipeline {
  /** The last published version of each scope: the next is cut as a delta from it, in O(change). */
  private readonly published = new PublishedScopes();
  private readonly assigned = new Map<string, string>();
  /** Whether `assigned` holds the stream's table (read once per leadership), so writes need no read each. */
  private assignedKnown = false;
  /** What the last complete assignment was made from (see `assign`). */
  private assignedFor: { readonly workloads: MeshConfig['workloads']; readonly scopes: number } | undefined;
  private lastRun: PipelineRun | undefined;
  private lastMesh: MeshConfig | undefined;
  private lastWorld: WorldState | undefined;
  private lastTranslated: Translated | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: MeshPipelineOptions) {}

  private leading(): boolean {
    return this.options.isLeader?.() ?? true;
  }

  /** Runs `pass` after the passes already queued. */
  private serial<T>(pass: () => Promise<T>): Promise<T> {
    const run = this.queue.then(pass);
    this.queue = run.catch(() => undefined);
    return run;
  }

  get last(): PipelineRun | undefined {
    return this.lastRun;
  }

  get mesh(): MeshConfig | undefined {
    return this.lastMesh;
  }

  /** The world of the last translation (the CA grants mesh names from it); undefined before the first pass. */
  get world(): WorldState | undefined {
    return this.lastWorld;
  }

  /** Versions published so far, per scope. */
  versions(): ReadonlyMap<string, { readonly version: string; readonly hash: string }> {
    return this.published.versions();
  }

  apply(set: ObjectSet): Promise<PipelineRun> {
    return this.serial(async () => {
      const translated = this.translate(set);
      return this.publish(translated, set.reasons, set.waitedMs);
    });
  }

  /**
   * Publishes what the last pass translated, for a replica that just became leader: scopes whose content equals
   * the stream's head keep their version, the others get the next one. Undefined before the first translation.
   */
  publishLatest(reason: string): Promise<PipelineRun | undefined> {
    return this.serial(async () => (this.lastTranslated === undefined ? undefined : this.publish(this.lastTranslated, [reason], 0)));
  }

  /**
   * Forgets what this replica published and assigned, once the pass in flight is over: after stepping down, another
   * leader owns the stream, so a later takeover compares with the stream's heads, not with this memory.
   */
  forgetPublished(): Promise<void> {
    return this.serial(() => {
      this.published.clear();
      this.assigned.clear();
      this.assignedKnown = false;
      return Promise.resolve();
    });
  }

  private translate(set: ObjectSet): Translated {
    const { metrics } = this.options;
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
    this.lastTranslated = { mesh, objects: set.objects.length, translateMs, diagnostics };
    return this.lastTranslated;
  }

  private async publish(translated: Translated, reasons: readonly string[], quietMs: number): Promise<PipelineRun> {
    const { log, metrics } = this.options;
    const { mesh, translateMs, diagnostics } = translated;
    const leader = this.leading();
    if (!leader) {
      const run: PipelineRun = { objects: translated.objects, scopes: Object.keys(mesh.scopes).length, published: [], rejected: [], translateMs, diagnostics, status: undefined, leader };
      this.lastRun = run;
      log.info(
        { reasons, objects: run.objects, scopes: run.scopes, translateMs: Math.round(translateMs * 10) / 10, quietMs, diagnostics: diagnostics.length },
        'mesh translated; not the leader, nothing published',
      );
      return run;
    }

    const trustBundle = this.options.trustBundle();
    const published: PipelineRun['published'][number][] = [];
    const rejected: PipelineRun['rejected'][number][] = [];
    for (const [scope, resources] of Object.entries(mesh.scopes)) {
      if (!this.leading()) break; // stepped down during the pass: stop publishing at once
      const reject = (problems: readonly string[]): void => {
        metrics.publishes.inc({ result: 'rejected' });
        rejected.push({ scope, problems });
        log.error({ scope, problems: problems.slice(0, 20) }, 'translated scope failed validation; its last good version keeps serving');
      };
      let next: PreparedScope | undefined;
      try {
        next = this.published.prepare(scope, resources, trustBundle);
      } catch (err) {
        // Resources with no JSON form, or duplicate ids: a translator bug, reported like a validation failure.
        reject([(err as Error).message]);
        continue;
      }
      if (next === undefined) continue;
      if (next.problems.length > 0) {
        next.abandon();
        reject(next.problems);
        continue;
      }
      try {
        const result = await this.options.publisher.publishScope(scope, next.full, next.delta);
        next.commit(result.version);
        metrics.publishes.inc({ result: result.published ? 'published' : 'unchanged' });
        if (result.published) {
          if (result.checkpoint) metrics.snapshotBytes.observe(result.fullBytes);
          if (result.record === 'delta') metrics.deltaBytes.observe(result.deltaBytes);
          metrics.latestVersion.set(Number(result.version));
          published.push({ scope, version: result.version, record: result.record, deltaBytes: result.deltaBytes, checkpoint: result.checkpoint });
        }
      } catch (err) {
        next.abandon();
        metrics.publishes.inc({ result: 'failed' });
        log.error({ scope, err: (err as Error).message }, 'publishing scope failed; will retry on the next change');
      }
    }
    // Forget scopes that no longer exist, so a scope id that comes back is published afresh.
    this.published.retain((scope) => scope in mesh.scopes);

    await this.assign(mesh);

    const status = this.options.statusWriter === undefined || !this.leading() ? undefined : await this.writeStatus(mesh);
    const run: PipelineRun = {
      objects: translated.objects,
      scopes: Object.keys(mesh.scopes).length,
      published,
      rejected,
      translateMs,
      diagnostics,
      status,
      leader,
    };
    this.lastRun = run;
    log.info(
      {
        reasons,
        objects: run.objects,
        scopes: run.scopes,
        published: published.length,
        versions: published.map((p) => `${p.scope}@${p.version}`).slice(0, 10),
        rejected: rejected.length,
        translateMs: Math.round(translateMs * 10) / 10,
        quietMs,
        diagnostics: diagnostics.length,
      },
      'mesh pushed',
    );
    return run;
  }

  /** Publishes workload → scope assignments after the scopes they point at, and removes those of gone workloads. */
  private async assign(mesh: MeshConfig): Promise<void> {
    // Nothing to do when the workloads (the translator keeps the object while no pod changes) and the set of
    // published scopes are those of the last complete pass here: walking every pod costs ~3 µs each, every pass.
    const basis = { workloads: mesh.workloads, scopes: this.published.generation };
    if (this.assignedFor?.workloads === basis.workloads && this.assignedFor.scopes === basis.scopes) return;
    this.assignedFor = undefined;
    await this.loadAssigned();
    const { publisher, log } = this.options;
    const wanted = new Map<string, string>();
    for (const [workload, scope] of Object.entries(mesh.workloads)) {
      const [ns = '', pod = ''] = workload.split('/');
      if (!this.published.has(scope)) continue; // its scope failed validation or publishing: keep the old one
      wanted.set(agentIdOf(ns, pod), scope);
    }
    const store = this.assignedKnown && publisher.storeAssignment !== undefined ? publisher.storeAssignment.bind(publisher) : publisher.publishAssignment.bind(publisher);
    const writes: AssignmentTask[] = [];
    for (const [agent, scope] of wanted) {
      if (this.assigned.get(agent) === scope) continue;
      writes.push({
        agent,
        run: async () => {
          await store(agent, scope);
          this.assigned.set(agent, scope);
        },
      });
    }
    let complete = await this.inWindow(writes, (agent, err) => {
      log.error({ agent, err: err.message }, 'publishing an assignment failed');
    });
    if (!this.leading()) return;
    const removals: AssignmentTask[] = [];
    for (const agent of this.assigned.keys()) {
      if (wanted.has(agent)) continue;
      removals.push({
        agent,
        run: async () => {
          await publisher.deleteAssignment(agent);
          this.assigned.delete(agent);
        },
      });
    }
    complete =
      (await this.inWindow(removals, (agent, err) => {
        log.warn({ agent, err: err.message }, 'removing an assignment failed');
      })) && complete;
    if (complete && this.leading()) this.assignedFor = basis;
  }

  /** Seeds `assigned` with the stored table once per leadership; on failure each write reads for itself instead. */
  private async loadAssigned(): Promise<void> {
    const { publisher } = this.options;
    if (this.assignedKnown || publisher.readAssignments === undefined) return;
    try {
      const table = await publisher.readAssignments();
      for (const [agent, scope] of table) if (!this.assigned.has(agent)) this.assigned.set(agent, scope);
      this.assignedKnown = true;
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'reading the stored assignments failed; writing each with a read first');
    }
  }

  /**
   * Runs `tasks` with at most ASSIGNMENT_WINDOW in flight, stopping to start new ones when leadership is lost.
   * Returns whether every task ran and succeeded; `failed` hears of each failure.
   */
  private async inWindow(tasks: readonly AssignmentTask[], failed: (agent: string, err: Error) => void): Promise<boolean> {
    let next = 0;
    let failures = 0;
    const worker = async (): Promise<void> => {
      while (next < tasks.length && this.leading()) {
        const task = tasks[next++] as AssignmentTask;
        try {
          await task.run();
        } catch (err) {
          failures++;
          failed(task.agent, err as Error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(ASSIGNMENT_WINDOW, tasks.length) }, worker));
    return failures === 0 && next >= tasks.length;
  }

  private async writeStatus(mesh: MeshConfig): Promise<StatusWriteResult | undefined> {
    const writer = this.options.statusWriter;
    if (writer === undefined) return undefined;
    const routes = await writer.write(mesh.routeStatuses, { shouldContinue: () => this.leading() });
    const authorizations = (await writer.writeAuthorizations?.(mesh.authorizationStatuses, { shouldContinue: () => this.leading() })) ?? { written: 0, unchanged: 0, failed: 0 };
    const result = {
      written: routes.written + authorizations.written,
      unchanged: routes.unchanged + authorizations.unchanged,
      failed: routes.failed + authorizations.failed,
    };
    this.options.metrics.statusWrites.inc({ result: 'written' }, result.written);
    this.options.metrics.statusWrites.inc({ result: 'unchanged' }, result.unchanged);
    this.options.metrics.statusWrites.inc({ result: 'failed' }, result.failed);
    return result;
  }
}
