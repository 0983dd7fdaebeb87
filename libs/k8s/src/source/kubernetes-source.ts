import type { Logger } from '@weft/telemetry';
import type { KubeHttp } from '../client/kube-http.js';
import type { KubeObject } from '../client/kube-object.js';
import { Informer } from '../informers/informer.js';
import type { InformerOptions, InformerStats } from '../informers/informer.js';
import { WORLD_RESOURCE_TYPES } from '../informers/resource-types.js';
import type { ResourceType } from '../informers/resource-types.js';
import { Coalescer } from './coalescer.js';
import type { ObjectSet, WorldSource } from './world-source.js';
import { matchesLabelSelector, parseLabelSelector } from './label-selector.js';
import type { LabelSelector } from './label-selector.js';

export interface KubernetesSourceOptions {
  readonly log: Logger;
  /** Quiet period of the debounce (default 30 ms) and its cap (default 250 ms). */
  readonly quietMs?: number;
  readonly maxDelayMs?: number;
  /**
   * Only namespaces whose labels match this selector are part of the mesh (like Istio's discoverySelectors),
   * e.g. `weft.dev/mesh=enabled` or `env in (prod,staging)`. Empty or absent: every namespace.
   */
  readonly namespaceSelector?: string;
  readonly types?: readonly ResourceType[];
  readonly informer?: Omit<InformerOptions, 'log'>;
}

/** Watches the Kubernetes API (one informer per kind) and hands coalesced object sets to its listener. */
export class KubernetesSource implements WorldSource {
  private readonly informers: Informer[];
  private readonly coalescer: Coalescer<string>;
  private readonly selector: LabelSelector | undefined;
  private onUpdate: ((set: ObjectSet) => Promise<void> | void) | undefined;
  private announcedSync = false;

  constructor(http: KubeHttp, private readonly options: KubernetesSourceOptions) {
    const log = options.log.child({ source: 'kubernetes' });
    this.selector = options.namespaceSelector ? parseLabelSelector(options.namespaceSelector) : undefined;
    this.coalescer = new Coalescer(
      { quietMs: options.quietMs ?? 30, maxDelayMs: options.maxDelayMs ?? 250 },
      (reasons, waitedMs) => this.emit(reasons, waitedMs),
    );
    this.informers = (options.types ?? WORLD_RESOURCE_TYPES).map(
      (type) =>
        new Informer(http, type, () => { this.coalescer.trigger(type.kind); }, { ...options.informer, log }),
    );
  }

  get synced(): boolean {
    return this.informers.every((i) => i.synced);
  }

  start(onUpdate: (set: ObjectSet) => Promise<void> | void): void {
    this.onUpdate = onUpdate;
    for (const informer of this.informers) informer.start();
  }

  async stop(): Promise<void> {
    this.coalescer.stop();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** Per-kind list/watch figures, for metrics. */
  stats(): ReadonlyMap<string, InformerStats & { readonly objects: number; readonly absent: boolean }> {
    return new Map(this.informers.map((i) => [i.type.kind, { ...i.getStats(), objects: i.size, absent: i.absent }]));
  }

  /** Resolves once every batch of changes seen so far has been handed to the listener. */
  idle(): Promise<void> {
    return this.coalescer.idle();
  }

  private async emit(reasons: ReadonlySet<string>, waitedMs: number): Promise<void> {
    // Serve nothing before every kind has been listed: a half-synced world would withdraw routes.
    if (!this.synced || this.onUpdate === undefined) return;
    this.announcedSync = true;
    await this.onUpdate({ objects: this.collect(), reasons: [...reasons].sort(), problems: [], waitedMs });
  }

  /** True once the listener has received its first full set. */
  get delivered(): boolean {
    return this.announcedSync;
  }

  private collect(): KubeObject[] {
    const selected = this.selectedNamespaces();
    const objects: KubeObject[] = [];
    for (const informer of this.informers) {
      for (const obj of informer.objects()) {
        const ns = obj.metadata?.namespace;
        if (selected !== undefined) {
          const name = informer.type.namespaced ? ns : obj.metadata?.name;
          if (name === undefined || !selected.has(name)) continue;
        }
        objects.push(obj);
      }
    }
    return objects;
  }

  private selectedNamespaces(): Set<string> | undefined {
    if (this.selector === undefined) return undefined;
    const nsInformer = this.informers.find((i) => i.type.kind === 'Namespace');
    if (nsInformer === undefined) return undefined;
    const selected = new Set<string>();
    for (const ns of nsInformer.objects()) {
      if (matchesLabelSelector(this.selector, ns.metadata?.labels ?? {}) && ns.metadata?.name !== undefined) {
        selected.add(ns.metadata.name);
      }
    }
    return selected;
  }
}
