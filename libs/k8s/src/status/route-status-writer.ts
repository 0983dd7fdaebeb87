import type { KubeHttp } from '../client/kube-http.js';
import { mergeRouteParents } from './route-status.js';
import type { DesiredRouteStatus, RouteParentStatus } from './route-status.js';
import { StatusSubresourceWriter } from './status-subresource-writer.js';
import type { StatusSubresourceWriterOptions } from './status-subresource-writer.js';

export type { StatusWriteOptions, StatusWriteResult } from './status-subresource-writer.js';

const PLURAL = { HTTPRoute: 'httproutes', GRPCRoute: 'grpcroutes' } as const;

export interface RouteStatusWriterOptions extends StatusSubresourceWriterOptions {
  /** Written as `controllerName` in each parent entry Weft owns. */
  readonly controllerName: string;
}

/** Writes `status.parents` of HTTPRoutes and GRPCRoutes; other controllers' entries stay untouched. */
export class RouteStatusWriter extends StatusSubresourceWriter<DesiredRouteStatus> {
  constructor(http: KubeHttp, options: RouteStatusWriterOptions) {
    super(
      http,
      {
        key: (desired) => `${desired.kind}/${desired.namespace}/${desired.name}`,
        path: (desired) => `/apis/gateway.networking.k8s.io/v1/namespaces/${desired.namespace}/${PLURAL[desired.kind]}/${desired.name}`,
        merge: (route, desired, now) => {
          const parents = mergeRouteParents((route.status?.['parents'] ?? []) as RouteParentStatus[], desired, options.controllerName, now);
          return parents === undefined ? undefined : { ...route.status, parents };
        },
      },
      options,
    );
  }
}
