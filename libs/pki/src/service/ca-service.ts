import * as protoLoader from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/grpc-js';

/**
 * The certificate service's contract, shared by its server (apps/control-plane) and its client (apps/agent):
 * weft-ca.proto as a protobufjs JSON descriptor, so both load the same from sources (tsx) and from dist/ without
 * shipping the .proto beside the JavaScript (the approach of libs/apisix's etcd API). ca-service.test.ts checks it
 * against weft-ca.proto.
 */
export const WEFT_CA_PROTO_DESCRIPTOR = {
  nested: {
    weft: {
      nested: {
        ca: {
          nested: {
            v1: {
              nested: {
                WeftCertificateService: {
                  methods: {
                    CreateCertificate: { requestType: 'WeftCertificateRequest', responseType: 'WeftCertificateResponse' },
                  },
                },
                WeftCertificateRequest: {
                  fields: { csr: { type: 'string', id: 1 }, validity_duration: { type: 'int64', id: 3 } },
                },
                WeftCertificateResponse: {
                  fields: {
                    cert_chain: { rule: 'repeated', type: 'string', id: 1 },
                    trust_bundle: { rule: 'repeated', type: 'string', id: 2 },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

export const WEFT_CA_SERVICE_NAME = 'weft.ca.v1.WeftCertificateService';

/** The request as decoded (field names as in the .proto; int64 as a JavaScript number). */
export interface WeftCertificateRequest {
  readonly csr: string;
  readonly validity_duration: number;
}

export interface WeftCertificateResponse {
  readonly cert_chain: readonly string[];
  readonly trust_bundle: readonly string[];
}

/** The loader options both sides use: proto field names, int64 as numbers, absent fields as their defaults. */
export const WEFT_CA_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

let definition: ServiceDefinition | undefined;

/** The grpc-js definition of WeftCertificateService. */
export function weftCaServiceDefinition(): ServiceDefinition {
  if (definition !== undefined) return definition;
  const pkg = protoLoader.fromJSON(WEFT_CA_PROTO_DESCRIPTOR as unknown as Parameters<typeof protoLoader.fromJSON>[0], WEFT_CA_LOADER_OPTIONS);
  const service = pkg[WEFT_CA_SERVICE_NAME];
  if (service === undefined || 'format' in service) throw new Error(`the CA descriptor lacks ${WEFT_CA_SERVICE_NAME}`);
  definition = service;
  return definition;
}
