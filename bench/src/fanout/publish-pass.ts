/**
 * The control plane's publishing pass, run by the real MeshPipeline (apps/control-plane) with the real
 * ScopePublisher and the bus's assignment calls. Only what can be seen from outside the pipeline is timed: the
 * whole pass, `run.translateMs` (world + translate), each publishScope call and the assignment calls; the rest of
 * the pass (content hash, validation, consistency check, diff of every changed scope) is what is left over.
 */
import type { Bus } from '@weft/bus';
import type { FullState } from '@weft/bus';
import { createControlPlaneMetrics, MeshPipeline } from '@weft/control-plane';
import type { MeshPublisher, PipelineRun } from '@weft/control-plane';
import type { ObjectSet } from '@weft/k8s';
import { createLogger, createMetricsRegistry } from '@weft/telemetry';
import { createTranslator } from '@weft/translate';
import { wallNow } from './protocol.js';

export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
}

export interface PassTimings {
  readonly totalMs: number;
  /** WorldState build + translate (the pipeline's own `translateMs`). */
  readonly translateMs: number;
  /** Identity diff, incremental hash and validation of the changed scopes: the pass less the timed parts. */
  readonly checkMs: number;
  /** publishScope calls (the delta record; at checkpoints the full state's encoding and gzip; JetStream round trips), summed. */
  readonly publishMs: number;
  /** publishAssignment / deleteAssignment calls for the mesh's workloads, summed. */
  readonly assignMs: number;
}

export interface PassResult {
  /** Wall-clock ms when the pass started (the change) and when each scope's publish returned. */
  readonly startedAt: number;
  readonly publishedAt: ReadonlyMap<string, number>;
  /** Version published per scope in this pass. */
  readonly versions: ReadonlyMap<string, string>;
  readonly run: PipelineRun;
  readonly timings: PassTimings;
  /** Bytes stored per scope whose version in this pass was a checkpoint (gzip). */
  readonly checkpointBytes: ReadonlyMap<string, number>;
}

const CLUSTER_DOMAIN = 'cluster.local';

export class PublishingPipeline {
  readonly #pipeline: MeshPipeline;
  readonly #publishedAt = new Map<string, number>();
  /** Namespaces of the workloads assigned to each scope (from the agent ids `<namespace>_<pod>`). */
  readonly #namespaces = new Map<string, Set<string>>();
  readonly #checkpointBytes = new Map<string, number>();
  readonly #failures: string[] = [];
  #publishMs = 0;
  #assignMs = 0;

  constructor(bus: Bus) {
    const translator = createTranslator();
    const scopePublisher = bus.createPublisher();
    const timed = async <T>(add: (ms: number) => void, call: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await call();
      } catch (err) {
        // The pipeline logs and carries on; a benchmark whose publish failed has nothing to measure.
        this.#failures.push((err as Error).message);
        throw err;
      } finally {
        add(performance.now() - t);
      }
    };
    const publisher: MeshPublisher = {
      publishScope: async (scope, full: FullState, delta) => {
        const result = await timed((ms) => (this.#publishMs += ms), () => scopePublisher.publishScope(scope, full, delta));
        this.#publishedAt.set(scope, wallNow());
        if (result.checkpoint) this.#checkpointBytes.set(scope, result.fullBytes);
        return result;
      },
      publishAssignment: (agent, scope) => {
        const namespace = agent.slice(0, agent.indexOf('_'));
        let namespaces = this.#namespaces.get(scope);
        if (namespaces === undefined) this.#namespaces.set(scope, (namespaces = new Set()));
        namespaces.add(namespace);
        return timed((ms) => (this.#assignMs += ms), () => bus.publishAssignment(agent, scope));
      },
      deleteAssignment: (agent) => timed((ms) => (this.#assignMs += ms), () => bus.deleteAssignment(agent)),
    };
    this.#pipeline = new MeshPipeline({
      // Warnings and errors only, on stderr: stdout carries the benchmark's JSON.
      log: createLogger({ component: 'bench-fanout-pipeline', level: 'warn', destination: process.stderr }),
      metrics: createControlPlaneMetrics(createMetricsRegistry()),
      clusterDomain: CLUSTER_DOMAIN,
      translate: (world) => translator.translate(world),
      publisher,
      trustBundle: () => [],
    });
  }

  /** Scope ids the pipeline published in its last pass's mesh. */
  get scopes(): string[] {
    return Object.keys(this.#pipeline.mesh?.scopes ?? {}).sort();
  }

  /** A namespace whose workloads follow `scope` (a bench agent serves that namespace's client view), '' when none. */
  namespaceOf(scope: string): string {
    return [...(this.#namespaces.get(scope) ?? [])].sort()[0] ?? '';
  }

  /** Resources of one scope in the last pass's mesh. */
  resourceCount(scope: string): number {
    const resources = this.#pipeline.mesh?.scopes[scope];
    return resources === undefined ? 0 : Object.values(resources).reduce((n, list: readonly unknown[]) => n + list.length, 0);
  }

  async apply(objects: readonly Record<string, unknown>[]): Promise<PassResult> {
    this.#publishedAt.clear();
    this.#checkpointBytes.clear();
    this.#failures.length = 0;
    this.#publishMs = 0;
    this.#assignMs = 0;
    const startedAt = wallNow();
    const started = performance.now();
    const run = await this.#pipeline.apply({ objects, reasons: ['bench'], problems: [], waitedMs: 0 } satisfies ObjectSet);
    const totalMs = performance.now() - started;
    if (run.rejected.length > 0) {
      const first = run.rejected[0];
      throw new PublishFailedError(`scope ${first?.scope ?? '?'} failed validation: ${first?.problems[0] ?? ''}`);
    }
    if (this.#failures.length > 0) throw new PublishFailedError(`${this.#failures.length} publish call(s) failed, first: ${this.#failures[0] ?? ''}`);
    const versions = new Map(run.published.map((p) => [p.scope, p.version]));
    const publishedAt = new Map([...this.#publishedAt].filter(([scope]) => versions.has(scope)));
    return {
      startedAt,
      publishedAt,
      versions,
      run,
      checkpointBytes: new Map(this.#checkpointBytes),
      timings: {
        totalMs,
        translateMs: run.translateMs,
        checkMs: Math.max(0, totalMs - run.translateMs - this.#publishMs - this.#assignMs),
        publishMs: this.#publishMs,
        assignMs: this.#assignMs,
      },
    };
  }
}
