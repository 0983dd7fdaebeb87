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
    case 'kubernetes.io/wss':
    case 'wss':
      return { scheme: 'http', websocket: true };
    default:
      return { scheme: 'http', websocket: false };
  }
}

/**
 * Whether a port declares TLS (`https`, `kubernetes.io/wss`, or a port name starting `https`). The sidecar originates
 * TLS only towards ExternalName Services (the app talks plain HTTP to it); in-mesh ports are secured by mesh mTLS.
 */
export function declaresTls(appProtocol: string | undefined, portName: string): boolean {
  const declared = (appProtocol ?? portName.split('-')[0] ?? '').toLowerCase();
  return declared === 'https' || declared === 'kubernetes.io/wss' || declared === 'wss';
}
