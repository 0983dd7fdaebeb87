// The contract between the injector and the agent for the app's kubelet probes. Inbound interception sends every
// connection to an app port into the sidecar, whose inbound listener expects mTLS, so a kubelet probe of an app port
// would fail. Like Istio's `/app-health/...` rewrite, the injector points each httpGet/tcpSocket/grpc probe of an app
// container at the agent's health port and hands the original to the agent, which runs it against the app on loopback
// (the agent's own traffic is never intercepted).
//
//   kubelet ──GET :15021/app-health/<container>/readyz──▶ agent ──the original probe──▶ 127.0.0.1:<app port>

/** The agent's environment variable holding the original probes: JSON of `AppProbers`. */
export const APP_PROBERS_ENV = 'WEFT_APP_PROBERS';

/** Path prefix of the rewritten probes on the agent's health port. */
export const APP_HEALTH_PREFIX = '/app-health/';

/** Which of a container's probes; the last segment of its path. */
export type AppProbeKind = 'livez' | 'readyz' | 'startupz';

/** The rewritten probe's path for one container's probe: `/app-health/<container>/<kind>`. */
export function appHealthPath(container: string, kind: AppProbeKind): string {
  return `${APP_HEALTH_PREFIX}${container}/${kind}`;
}

export interface AppHttpHeader {
  readonly name: string;
  readonly value: string;
}

/**
 * One original probe, its port resolved to a number (named ports are resolved by the injector from the container's
 * ports). `timeoutSeconds` is the original's (the kubelet's default is 1 s).
 */
export type AppProbe =
  | {
      readonly httpGet: {
        readonly path?: string;
        readonly port: number;
        readonly host?: string;
        readonly scheme?: 'HTTP' | 'HTTPS';
        readonly httpHeaders?: readonly AppHttpHeader[];
      };
      readonly timeoutSeconds?: number;
    }
  | { readonly tcpSocket: { readonly port: number; readonly host?: string }; readonly timeoutSeconds?: number }
  | { readonly grpc: { readonly port: number; readonly service?: string }; readonly timeoutSeconds?: number };

/** Every rewritten probe of a pod, keyed by its `appHealthPath`. */
export type AppProbers = Readonly<Record<string, AppProbe>>;
