import type { AppProbers } from '@weft/model';
import type { Logger } from '@weft/telemetry';
import { runAppProbe } from './app-prober.js';

/** What the agent answers the kubelet on `/app-health/<container>/<probe>`. */
export interface AppHealthAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * The handler of `/app-health/...` on the agent's health port: runs the original probe of that path and answers 200
 * when it passes, 503 with the reason when it fails (the kubelet counts any status ≥ 400 as a failure), 404 for a path
 * the injector did not rewrite. Failures are logged at debug: the kubelet's events already show them.
 */
export function appHealthHandler(probers: AppProbers, log: Logger): (path: string) => Promise<AppHealthAnswer> {
  return async (path) => {
    const probe = probers[path];
    if (probe === undefined) return { status: 404, body: `no app probe at ${path}\n` };
    const result = await runAppProbe(probe);
    if (result.ok) return { status: 200, body: `${result.detail}\n` };
    log.debug({ path, detail: result.detail }, 'app probe failed');
    return { status: 503, body: `${result.detail}\n` };
  };
}
