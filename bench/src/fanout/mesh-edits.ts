/**
 * The translate benchmark's synthetic mesh (reused from bench/src/translate), sized by a Service count, with the
 * two edits the benchmark makes: an HTTPRoute whose content changes, and one endpoint of one Service turning unready.
 */
import { endpointSlice, ISSUE_SHAPE, syntheticMesh } from '../translate/synthetic-objects.js';
import type { MeshShape, SyntheticMesh } from '../translate/synthetic-objects.js';

export class MeshSizeError extends Error {
  override readonly name = 'MeshSizeError';
}

export function meshShape(services: number): MeshShape {
  const perNamespace = ISSUE_SHAPE.servicesPerNamespace;
  if (services < perNamespace * 2 || services % perNamespace !== 0) {
    throw new MeshSizeError(`--services must be a multiple of ${perNamespace}, at least ${perNamespace * 2} (got ${services})`);
  }
  const namespaces = services / perNamespace;
  return { ...ISSUE_SHAPE, namespaces, consumerNamespaces: Math.min(ISSUE_SHAPE.consumerNamespaces, Math.floor(namespaces / 10)) };
}

type KubeObject = Record<string, unknown>;

interface RouteObject {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly generation: number };
  readonly spec: { readonly rules: readonly Record<string, unknown>[] };
}

export class EditableMesh {
  readonly objects: KubeObject[];
  readonly #mesh: SyntheticMesh;
  readonly #shape: MeshShape;
  #edits = 0;

  constructor(readonly shape: MeshShape) {
    this.#shape = shape;
    this.#mesh = syntheticMesh(shape);
    this.objects = this.#mesh.objects.slice();
  }

  /**
   * Edits one HTTPRoute the way a user would: the header its first rule sets gets a new value (a new object with a
   * bumped generation). Returns the route's `namespace/name`.
   */
  editRoute(): string {
    this.#edits++;
    const index = this.#mesh.routeIndexes[(this.#edits * 389) % this.#mesh.routeIndexes.length] ?? 0;
    const old = this.objects[index] as unknown as RouteObject;
    const [first, ...rest] = old.spec.rules;
    const setHeader = { set: [{ name: 'x-route', value: `${old.metadata.name}-edit-${this.#edits}` }] };
    const rule = { ...first, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: setHeader }] };
    this.objects[index] = {
      ...old,
      metadata: { ...old.metadata, generation: old.metadata.generation + 1 },
      spec: { ...old.spec, rules: [rule, ...rest] },
    };
    return `${old.metadata.namespace}/${old.metadata.name}`;
  }

  /** One endpoint of one Service turns unready (a rolling update's first step). Returns the Service's `namespace/name`. */
  unreadyOneEndpoint(): string {
    this.#edits++;
    const slice = this.#mesh.slices[(this.#edits * 7919) % this.#mesh.slices.length];
    if (slice === undefined) throw new MeshSizeError('the mesh has no EndpointSlice');
    const unready = this.#edits % this.#shape.endpointsPerService;
    this.objects[slice.index] = endpointSlice(slice.ns, slice.svc, slice.firstAddress, this.#shape.endpointsPerService, ~(1 << unready));
    return `${slice.ns}/${slice.svc}`;
  }
}
