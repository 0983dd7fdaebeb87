import { ConditionsStatusWriter, MESH_AUTHORIZATION, RouteStatusWriter } from '@weft/k8s';
import type { DesiredConditionsStatus, DesiredRouteStatus, KubeHttp, StatusWriteOptions, StatusWriteResult } from '@weft/k8s';
import { WEFT_CONTROLLER_NAME } from '@weft/model';
import type { Logger } from '@weft/telemetry';

/**
 * Everything the control plane writes back to the API server as status: route parents (Gateway API) and the
 * conditions of Weft's own MeshAuthorizations. One object, so leadership gates and resets both at once.
 */
export class MeshStatusWriter {
  private readonly routes: RouteStatusWriter;
  private readonly authorizations: ConditionsStatusWriter;

  constructor(http: KubeHttp, log: Logger) {
    this.routes = new RouteStatusWriter(http, { log, controllerName: WEFT_CONTROLLER_NAME });
    this.authorizations = new ConditionsStatusWriter(http, { log, type: MESH_AUTHORIZATION });
  }

  /** Route status (`status.parents`). */
  write(statuses: readonly DesiredRouteStatus[], options?: StatusWriteOptions): Promise<StatusWriteResult> {
    return this.routes.write(statuses, options);
  }

  /** MeshAuthorization `status.conditions`. */
  writeAuthorizations(statuses: readonly DesiredConditionsStatus[], options?: StatusWriteOptions): Promise<StatusWriteResult> {
    return this.authorizations.write(statuses, options);
  }

  /** Forgets what was written, e.g. after this replica lost and regained leadership. */
  reset(): void {
    this.routes.reset();
    this.authorizations.reset();
  }
}
