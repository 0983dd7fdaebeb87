import * as protoLoader from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/grpc-js';

/**
 * The client's copy of the control plane's apps/control-plane/src/certificates/weft-ca.proto, as a protobufjs JSON
 * descriptor (apps may not import each other; ca-proto.test.ts checks this copy against the .proto).
 */
export const WEFT_CA_CLIENT_DESCRIPTOR = {
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

export const WEFT_CA_SERVICE = 'weft.ca.v1.WeftCertificateService';

export const CA_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

let definition: ServiceDefinition | undefined;

export function caServiceDefinition(): ServiceDefinition {
  if (definition !== undefined) return definition;
  const pkg = protoLoader.fromJSON(WEFT_CA_CLIENT_DESCRIPTOR as unknown as Parameters<typeof protoLoader.fromJSON>[0], CA_LOADER_OPTIONS);
  const service = pkg[WEFT_CA_SERVICE];
  if (service === undefined || 'format' in service) throw new Error(`the CA descriptor lacks ${WEFT_CA_SERVICE}`);
  definition = service;
  return definition;
}
