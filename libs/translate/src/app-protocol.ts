import type { ApisixScheme } from '@weft/model';

export interface PortProtocol {
  /** Upstream scheme: gRPC and h2c go over HTTP/2 cleartext (`grpc`), everything else HTTP/1.1. */
  readonly scheme: ApisixScheme;
  readonly websocket: boolean;
}

/** `appProtocol` (or, failing that, the Istio-style port name prefix) → how the sidecar talks to the port. */
export function portProtocol(appProtocol: string | undefined, portName: string): PortProtocol {
  const declared = (appProtocol ?? portName.split('-')[0] ?? '').toLowerCase();
  switch (declared) {
    case 'grpc':
    case 'kubernetes.io/grpc':
    case 'h2c':
    case 'http2':
    case 'kubernetes.io/h2c':
      return { scheme: 'grpc', websocket: false };
    case 'kubernetes.io/ws':
    case 'ws':
      return { scheme: 'http', websocket: true };
    default:
      return { scheme: 'http', websocket: false };
  }
}
