import * as grpc from '@grpc/grpc-js';
import type { experimental } from '@grpc/grpc-js';
import { CertificateDenial } from './certificate-denial.js';
import { weftCaServiceDefinition } from './ca-service.js';
import type { WeftCertificateRequest, WeftCertificateResponse } from './ca-service.js';

/**
 * Largest request grpc-js accepts before calling the handler (it answers RESOURCE_EXHAUSTED above it). Far above
 * the CSR cap, so an oversized CSR gets the handler's INVALID_ARGUMENT with its size.
 */
export const MAX_REQUEST_BYTES = 256 * 1024;

/** One call, whatever the transport: the bearer token, the decoded request, and who sent it. */
export interface CertificateCall {
  readonly token: string;
  readonly request: { readonly csr?: unknown; readonly validity_duration?: unknown };
  /** The client's address, for the audit line. */
  readonly peer: string;
}

/** What answers a call: the control plane's CA, or the cert-manager bridge. Throws CertificateDenial to refuse. */
export interface CertificateCallHandler {
  createCertificate(call: CertificateCall): Promise<WeftCertificateResponse>;
}

export interface GrpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly issuer: CertificateCallHandler;
  /** The serving certificate (renewed in place). */
  readonly identity: experimental.CertificateProvider;
}

export interface ListeningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The token of `authorization: Bearer <token>`; empty when absent or of another scheme. */
export function bearerToken(metadata: grpc.Metadata): string {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1] ?? '';
}

function statusOf(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof CertificateDenial) return { code: grpc.status[err.code], details: err.message };
  return { code: grpc.status.INTERNAL, details: 'internal error' };
}

/** Serves WeftCertificateService over TLS at host:port (0: a free port). */
export async function listenGrpc(options: GrpcServerOptions): Promise<ListeningServer> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_REQUEST_BYTES });
  server.addService(weftCaServiceDefinition(), {
    CreateCertificate: (
      call: grpc.ServerUnaryCall<WeftCertificateRequest, WeftCertificateResponse>,
      callback: grpc.sendUnaryData<WeftCertificateResponse>,
    ) => {
      options.issuer.createCertificate({ token: bearerToken(call.metadata), request: call.request, peer: call.getPeer() }).then(
        (response) => {
          callback(null, response);
        },
        (err: unknown) => {
          callback(statusOf(err));
        },
      );
    },
  });
  // grpc-js passes its first argument on as the *identity* provider (the parameter names in its typings are swapped);
  // no CA provider: clients are not asked for certificates.
  const credentials = grpc.experimental.createCertificateProviderServerCredentials(options.identity, null, false);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`, credentials, (err, bound) => {
      if (err === null) resolve(bound);
      else reject(err);
    });
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // In-flight calls finish; a stuck client is cut after 5 s.
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
