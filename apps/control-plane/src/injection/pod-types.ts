// The parts of a Pod the injector reads, and the JSON shapes it writes. Everything else in an admitted pod is
// passed through untouched (the JSONPatch only adds).

export interface ContainerLike {
  readonly name: string;
  readonly [field: string]: unknown;
}

export interface VolumeLike {
  readonly name: string;
  readonly [field: string]: unknown;
}

/** A Pod as admission sends it: a CREATE may come without a name (generateName) and without a namespace. */
export interface PodLike {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly generateName?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly [field: string]: unknown;
  };
  readonly spec?: {
    readonly containers?: readonly ContainerLike[];
    readonly initContainers?: readonly ContainerLike[];
    readonly volumes?: readonly VolumeLike[];
    readonly hostNetwork?: boolean;
    readonly [field: string]: unknown;
  };
  readonly [field: string]: unknown;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly fieldRef: { readonly fieldPath: string } };
}

export interface HttpProbe {
  readonly httpGet: { readonly path: string; readonly port: number };
  readonly periodSeconds: number;
  readonly failureThreshold: number;
  readonly timeoutSeconds?: number;
}

/** A container the injector adds: plain JSON, the same shape Kubernetes stores. */
export interface InjectedContainer {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly { readonly name: string; readonly containerPort: number; readonly protocol: 'TCP' }[];
  readonly restartPolicy?: 'Always';
  readonly startupProbe?: HttpProbe;
  readonly readinessProbe?: HttpProbe;
  readonly livenessProbe?: HttpProbe;
  readonly resources: unknown;
  readonly securityContext: unknown;
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
}

export type ProjectedSource =
  | { readonly serviceAccountToken: { readonly audience: string; readonly expirationSeconds: number; readonly path: string } }
  | { readonly downwardAPI: { readonly items: readonly { readonly path: string; readonly fieldRef: { readonly fieldPath: string } }[] } };

export interface InjectedVolume {
  readonly name: string;
  readonly emptyDir?: Record<string, never>;
  readonly projected?: { readonly sources: readonly ProjectedSource[] };
}
