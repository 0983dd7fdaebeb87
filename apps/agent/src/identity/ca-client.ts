import * as grpc from '@grpc/grpc-js';
import { weftCaServiceDefinition } from '@weft/pki';

/** The certificate service refused or could not be reached: the gRPC status name and its message. */
export class CaRequestError extends Error {
  override readonly name = 'CaRequestError';
  constructor(
    /** e.g. UNAVAILABLE, PERMISSION_DENIED. */
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface CaClientOptions {
  /** host:port of the certificate service. */
  readonly address: string;
  /** PEM roots the service's certificate must chain to. */
  readonly rootsPem: string;
  /** The name checked in the service's certificate; the address's host by default. */
  readonly serverName?: string;
  /** Deadline of one request: 30 s. */
  readonly timeoutMs?: number;
}

export interface CaAnswer {
  /** The SVID first, then intermediates. */
  readonly certChain: readonly string[];
  readonly trustBundle: readonly string[];
}

interface RawAnswer {
  readonly cert_chain?: string[];
  readonly trust_bundle?: string[];
}

type CreateCertificate = (
  request: { csr: string; validity_duration: number },
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, answer?: RawAnswer) => void,
) => void;

/** A client of WeftCertificateService over TLS (one HTTP/2 connection, reused). */
export class CaClient {
  readonly #client: grpc.Client;
  readonly #timeoutMs: number;

  constructor(options: CaClientOptions) {
    const Client = grpc.makeGenericClientConstructor(weftCaServiceDefinition(), 'WeftCertificateService');
    const channelOptions: grpc.ChannelOptions = options.serverName === undefined || options.serverName === '' ? {} : { 'grpc.ssl_target_name_override': options.serverName };
    this.#client = new Client(options.address, grpc.credentials.createSsl(Buffer.from(options.rootsPem)), channelOptions);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Sends the CSR with the ServiceAccount token; `validitySeconds` 0 asks for the CA's default. Throws CaRequestError. */
  createCertificate(csrPem: string, token: string, validitySeconds: number): Promise<CaAnswer> {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    const call = (this.#client as unknown as { CreateCertificate: CreateCertificate }).CreateCertificate.bind(this.#client);
    return new Promise((resolve, reject) => {
      call({ csr: csrPem, validity_duration: validitySeconds }, metadata, { deadline: Date.now() + this.#timeoutMs }, (err, answer) => {
        if (err !== null) {
          reject(new CaRequestError(grpc.status[err.code], err.details || err.message, { cause: err }));
          return;
        }
        resolve({ certChain: answer?.cert_chain ?? [], trustBundle: answer?.trust_bundle ?? [] });
      });
    });
  }

  close(): void {
    this.#client.close();
  }
}
