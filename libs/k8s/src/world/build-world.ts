import type {
  EndpointSliceView,
  GrpcRouteView,
  HttpRouteView,
  MeshAuthorizationView,
  NamespaceView,
  PodView,
  ReferenceGrantView,
  ServiceView,
  WorldState,
} from '@weft/model';
import { DEFAULT_CLUSTER_DOMAIN, WEFT_CONTROLLER_NAME } from '@weft/model';
import { isPlain, MalformedObjectError } from './fields.js';
import type { Plain } from './fields.js';
import { readEndpointSlice, readNamespace, readPod, readService } from './read-core.js';
import { readMeshAuthorization } from './read-authorization.js';
import { readGrpcRoute, readHttpRoute, readReferenceGrant } from './read-gateway.js';
import { describeObject } from './read-meta.js';

export interface BuildWorldOptions {
  /** DNS domain of the cluster; `cluster.local` by default. */
  readonly clusterDomain?: string;
  /** The controllerName written in route status; `weft.dev/mesh-controller` by default. */
  readonly controllerName?: string;
  /** Namespace given to namespaced objects that have none (as `kubectl apply` would); `default` by default. */
  readonly defaultNamespace?: string;
  /**
   * The world built from the previous object set. Maps (and EndpointSlice groups) whose entries are the same objects
   * are taken from it, so translate sees at once which kinds did not change.
   */
  readonly previous?: WorldState;
}

/** A malformed input object, skipped; the rest of the world is built without it. */
export interface WorldDiagnostic {
  /** `Kind namespace/name`, as far as it could be read. */
  readonly object: string;
  readonly message: string;
}

export interface WorldBuildResult {
  readonly world: WorldState;
  /** Sorted by object, then message. */
  readonly diagnostics: readonly WorldDiagnostic[];
}

type View = ServiceView | EndpointSliceView | PodView | NamespaceView | HttpRouteView | GrpcRouteView | ReferenceGrantView | MeshAuthorizationView;

interface KindReader {
  readonly kind: KindName;
  readonly group: string;
  read(obj: Plain, defaultNamespace: string): View;
}

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const MESH_GROUP = 'mesh.weft.dev';

/** The kinds the world is made of; everything else is ignored. */
const READERS: readonly KindReader[] = [
  { kind: 'Service', group: '', read: readService },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', read: readEndpointSlice },
  { kind: 'Pod', group: '', read: readPod },
  { kind: 'Namespace', group: '', read: (obj) => readNamespace(obj) },
  { kind: 'HTTPRoute', group: GATEWAY_GROUP, read: readHttpRoute },
  { kind: 'GRPCRoute', group: GATEWAY_GROUP, read: readGrpcRoute },
  { kind: 'ReferenceGrant', group: GATEWAY_GROUP, read: readReferenceGrant },
  { kind: 'MeshAuthorization', group: MESH_GROUP, read: readMeshAuthorization },
];

function groupOf(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

type KindName = 'Service' | 'EndpointSlice' | 'Pod' | 'Namespace' | 'HTTPRoute' | 'GRPCRoute' | 'ReferenceGrant' | 'MeshAuthorization';

/** What one input object became: a view under its map key, an error, or nothing (a kind the world ignores). */
type Reading =
  | { readonly defaultNamespace: string; readonly kind: KindName; readonly key: string; readonly view: View }
  | { readonly defaultNamespace: string; readonly kind: 'error'; readonly message: string }
  | { readonly defaultNamespace: string; readonly kind: 'ignored' };

/**
 * Readings of unchanged input objects are reused (sources keep the identity of unchanged objects), so a rebuild after
 * one change allocates little, map keys keep their (hashed) strings and translate's identity-keyed caches keep
 * hitting. Plain objects are treated as immutable once handed over.
 */
const readings = new WeakMap<object, Reading>();

function keyOf(kind: KindName, view: View): string {
  if (kind === 'Namespace') return (view as NamespaceView).name;
  const meta = (view as ServiceView).metadata;
  return `${meta.namespace}/${meta.name}`;
}

function read(obj: Plain, defaultNamespace: string): Reading {
  const cached = readings.get(obj);
  if (cached?.defaultNamespace === defaultNamespace) return cached;
  let reading: Reading;
  const group = groupOf(obj.apiVersion);
  const reader = group === undefined ? undefined : READERS.find((r) => r.kind === obj.kind && r.group === group);
  if (group === undefined) reading = { defaultNamespace, kind: 'error', message: 'apiVersion: must be a string' };
  else if (reader === undefined) reading = { defaultNamespace, kind: 'ignored' };
  else {
    try {
      const view = reader.read(obj, defaultNamespace);
      reading = { defaultNamespace, kind: reader.kind, key: keyOf(reader.kind, view), view };
    } catch (error) {
      reading = { defaultNamespace, kind: 'error', message: error instanceof MalformedObjectError ? error.message : String(error) };
    }
  }
  readings.set(obj, reading);
  return reading;
}

/** Appends `objects` to `out` with `List`s expanded; true when there was a `List`. */
function flatten(objects: readonly unknown[], out: unknown[]): boolean {
  let lists = false;
  for (const obj of objects) {
    if (isList(obj)) {
      lists = true;
      flatten((obj as Plain).items as unknown[], out);
    } else {
      out.push(obj);
    }
  }
  return lists;
}

/**
 * The map itself, or `previous` when it holds the very same entries. Maps keep input order: translate does not
 * depend on it, and not sorting keeps a rebuild after one change linear.
 */
function reuse<V>(entries: Map<string, V>, previous: ReadonlyMap<string, V> | undefined): ReadonlyMap<string, V> {
  if (previous?.size !== entries.size) return entries;
  for (const [key, value] of entries) if (previous.get(key) !== value) return entries;
  return previous;
}

function sameElements<T>(a: readonly T[], b: readonly T[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Plain Kubernetes objects (parsed YAML or API responses, `List`s flattened) → WorldState. Pure: never throws;
 * a malformed object is left out and reported. The last of two objects with the same key wins (also reported).
 */
export function buildWorldState(objects: readonly unknown[], options: BuildWorldOptions = {}): WorldBuildResult {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const patched = options.previous === undefined ? undefined : patchByIdentity(options.previous, objects, options);
  if (patched !== undefined) return patched;
  const flat: unknown[] = [];
  const lists = flatten(objects, flat);
  const readings = flat.map((obj) => (isPlain(obj) ? read(obj, defaultNamespace) : undefined));
  const result = (options.previous === undefined ? undefined : patchByReadings(options.previous, readings, options)) ?? buildFull(flat, readings, options);
  records.set(result.world, { defaultNamespace, objects: lists ? undefined : flat, readings, diagnostics: result.diagnostics });
  return result;
}

/** How each world was built, so the next build from mostly the same objects can patch it. */
const records = new WeakMap<
  WorldState,
  {
    readonly defaultNamespace: string;
    /** The input array (a copy: callers reuse theirs) when it held no `List`, so it lines up with `readings`. */
    readonly objects: readonly unknown[] | undefined;
    readonly readings: readonly (Reading | undefined)[];
    readonly diagnostics: readonly WorldDiagnostic[];
  }
>();

const MAX_PATCHED_OBJECTS = 64;

function isList(obj: unknown): boolean {
  return isPlain(obj) && typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items);
}

/**
 * The previous world with the objects that changed in place (same position, kind and key) swapped in; undefined when
 * anything else changed (objects added, removed, renamed, malformed, duplicated, a `List`), and a full build is
 * needed. Unchanged objects are found by identity in one pass over the array, so one change costs O(objects)
 * pointer comparisons, not O(objects) reads.
 */
function patchByIdentity(previous: WorldState, objects: readonly unknown[], options: BuildWorldOptions): WorldBuildResult | undefined {
  const record = records.get(previous);
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const before = record?.objects;
  if (
    record === undefined ||
    before === undefined ||
    record.defaultNamespace !== defaultNamespace ||
    before.length !== objects.length ||
    (options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN) !== previous.clusterDomain ||
    (options.controllerName ?? WEFT_CONTROLLER_NAME) !== previous.controllerName
  ) {
    return undefined;
  }
  const changed: number[] = [];
  for (let i = 0; i < objects.length; i++) {
    if (objects[i] === before[i]) continue;
    changed.push(i);
    if (changed.length > MAX_PATCHED_OBJECTS) return undefined;
  }
  if (changed.length === 0) return { world: previous, diagnostics: record.diagnostics };
  const readings = record.readings.slice();
  const changes: Change[] = [];
  for (const i of changed) {
    const obj = objects[i];
    if (isList(obj)) return undefined;
    const after = isPlain(obj) ? read(obj, defaultNamespace) : undefined;
    const was = record.readings[i];
    readings[i] = after;
    if (after === was) continue;
    if (after === undefined || was === undefined || after.kind === 'error' || was.kind === 'error') return undefined;
    if (after.kind === 'ignored' && was.kind === 'ignored') continue;
    if (after.kind === 'ignored' || was.kind === 'ignored' || after.kind !== was.kind || after.key !== was.key) return undefined;
    changes.push({ kind: after.kind, key: after.key, before: was.view, after: after.view });
  }
  const world = changes.length === 0 ? previous : patchWorld(previous, changes);
  if (world === undefined) return undefined;
  records.set(world, { defaultNamespace, objects: objects.slice(), readings, diagnostics: record.diagnostics });
  return { world, diagnostics: record.diagnostics };
}

/**
 * The slower patch for input that held `List`s (positions in the flattened input do not line up with the caller's
 * array): every object is read (cached per object) and readings are compared.
 */
function patchByReadings(previous: WorldState, readings: readonly (Reading | undefined)[], options: BuildWorldOptions): WorldBuildResult | undefined {
  const record = records.get(previous);
  if (
    record === undefined ||
    record.objects !== undefined ||
    record.defaultNamespace !== (options.defaultNamespace ?? 'default') ||
    record.readings.length !== readings.length ||
    (options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN) !== previous.clusterDomain ||
    (options.controllerName ?? WEFT_CONTROLLER_NAME) !== previous.controllerName
  ) {
    return undefined;
  }
  const changes: Change[] = [];
  for (let i = 0; i < readings.length; i++) {
    const after = readings[i];
    const was = record.readings[i];
    if (after === was) continue;
    if (after === undefined || was === undefined || after.kind === 'error' || was.kind === 'error') return undefined;
    if (after.kind === 'ignored' && was.kind === 'ignored') continue;
    if (after.kind === 'ignored' || was.kind === 'ignored' || after.kind !== was.kind || after.key !== was.key) return undefined;
    changes.push({ kind: after.kind, key: after.key, before: was.view, after: after.view });
    if (changes.length > MAX_PATCHED_OBJECTS) return undefined;
  }
  const world = changes.length === 0 ? previous : patchWorld(previous, changes);
  return world === undefined ? undefined : { world, diagnostics: record.diagnostics };
}

interface Change {
  readonly kind: KindName;
  readonly key: string;
  readonly before: View;
  readonly after: View;
}

/** `previous` with the changed views swapped in; undefined when a change cannot be applied in place. */
function patchWorld(previous: WorldState, changes: readonly Change[]): WorldState | undefined {
  const world: { -readonly [K in keyof WorldState]: WorldState[K] } = { ...previous };
  const copied = new Set<string>();
  for (const change of changes) {
    if (change.kind === 'EndpointSlice') {
      const before = change.before as EndpointSliceView;
      const after = change.after as EndpointSliceView;
      if (before.serviceName !== after.serviceName) return undefined;
      const serviceKey = `${after.metadata.namespace}/${after.serviceName}`;
      const group = world.endpointSlices.get(serviceKey);
      const at = group?.indexOf(before) ?? -1;
      if (group === undefined || at < 0) return undefined;
      if (!copied.has('EndpointSlice')) world.endpointSlices = new Map(world.endpointSlices);
      copied.add('EndpointSlice');
      (world.endpointSlices as Map<string, readonly EndpointSliceView[]>).set(serviceKey, group.map((s, i) => (i === at ? after : s)));
      continue;
    }
    const field = WORLD_FIELD[change.kind];
    const map = world[field] as ReadonlyMap<string, View>;
    // The object that changed must be the one the map holds (not a duplicate that lost).
    if (map.get(change.key) !== change.before) return undefined;
    const next = copied.has(change.kind) ? (map as Map<string, View>) : new Map(map);
    copied.add(change.kind);
    next.set(change.key, change.after);
    (world as Record<string, unknown>)[field] = next;
  }
  return world;
}

const WORLD_FIELD = {
  Service: 'services',
  Pod: 'pods',
  Namespace: 'namespaces',
  HTTPRoute: 'httpRoutes',
  GRPCRoute: 'grpcRoutes',
  ReferenceGrant: 'referenceGrants',
  MeshAuthorization: 'meshAuthorizations',
} as const satisfies Record<Exclude<KindName, 'EndpointSlice'>, keyof WorldState>;

function buildFull(flat: readonly unknown[], readings: readonly (Reading | undefined)[], options: BuildWorldOptions): WorldBuildResult {
  const diagnostics: WorldDiagnostic[] = [];
  const services = new Map<string, ServiceView>();
  const slices = new Map<string, EndpointSliceView>();
  const pods = new Map<string, PodView>();
  const namespaces = new Map<string, NamespaceView>();
  const httpRoutes = new Map<string, HttpRouteView>();
  const grpcRoutes = new Map<string, GrpcRouteView>();
  const grants = new Map<string, ReferenceGrantView>();
  const authorizations = new Map<string, MeshAuthorizationView>();

  const maps: Record<KindName, Map<string, View>> = {
    Service: services,
    EndpointSlice: slices,
    Pod: pods,
    Namespace: namespaces,
    HTTPRoute: httpRoutes,
    GRPCRoute: grpcRoutes,
    ReferenceGrant: grants,
    MeshAuthorization: authorizations,
  };
  flat.forEach((obj, i) => {
    const reading = readings[i];
    if (reading === undefined) {
      diagnostics.push({ object: describeObject(obj), message: 'not an object' });
      return;
    }
    if (reading.kind === 'ignored') return;
    if (reading.kind === 'error') {
      diagnostics.push({ object: describeObject(obj), message: reading.message });
      return;
    }
    const map = maps[reading.kind];
    if (map.has(reading.key)) diagnostics.push({ object: `${reading.kind} ${reading.key}`, message: 'defined more than once; the last one wins' });
    map.set(reading.key, reading.view);
  });

  const previous = options.previous;
  const grouped = new Map<string, EndpointSliceView[]>();
  for (const slice of slices.values()) {
    const key = `${slice.metadata.namespace}/${slice.serviceName}`;
    const group = grouped.get(key);
    if (group === undefined) grouped.set(key, [slice]);
    else group.push(slice);
  }
  const byService = new Map<string, readonly EndpointSliceView[]>();
  for (const [key, group] of grouped) {
    if (group.length > 1) group.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
    const before = previous?.endpointSlices.get(key);
    byService.set(key, before !== undefined && sameElements(group, before) ? before : group);
  }

  diagnostics.sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return {
    world: {
      clusterDomain: options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
      controllerName: options.controllerName ?? WEFT_CONTROLLER_NAME,
      services: reuse(services, previous?.services),
      endpointSlices: reuse(byService, previous?.endpointSlices),
      pods: reuse(pods, previous?.pods),
      namespaces: reuse(namespaces, previous?.namespaces),
      httpRoutes: reuse(httpRoutes, previous?.httpRoutes),
      grpcRoutes: reuse(grpcRoutes, previous?.grpcRoutes),
      referenceGrants: reuse(grants, previous?.referenceGrants),
      meshAuthorizations: reuse(authorizations, previous?.meshAuthorizations),
    },
    diagnostics,
  };
}
