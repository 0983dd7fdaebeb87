import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { WEFT_CA_LOADER_OPTIONS, WEFT_CA_PROTO_DESCRIPTOR, WEFT_CA_SERVICE_NAME, weftCaServiceDefinition } from './ca-service.js';

interface MethodShape {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestType: { type: { name: string; field: unknown[] } };
  responseType: { type: { name: string; field: unknown[] } };
}

function shapeOf(service: Record<string, MethodShape>): unknown {
  return Object.fromEntries(
    Object.entries(service).map(([name, m]) => [
      name,
      { path: m.path, requestStream: m.requestStream, responseStream: m.responseStream, request: m.requestType.type, response: m.responseType.type },
    ]),
  );
}

describe('WeftCertificateService definition', () => {
  it('ca proto - the JSON descriptor the server loads is exactly weft-ca.proto', () => {
    const fromProto = protoLoader.loadSync(fileURLToPath(new URL('./weft-ca.proto', import.meta.url)), WEFT_CA_LOADER_OPTIONS);
    const fromJson = protoLoader.fromJSON(WEFT_CA_PROTO_DESCRIPTOR as unknown as Parameters<typeof protoLoader.fromJSON>[0], WEFT_CA_LOADER_OPTIONS);
    const proto = fromProto[WEFT_CA_SERVICE_NAME] as unknown as Record<string, MethodShape>;
    const json = fromJson[WEFT_CA_SERVICE_NAME] as unknown as Record<string, MethodShape>;
    expect(Object.keys(proto)).toEqual(['CreateCertificate']);
    expect(shapeOf(json)).toEqual(shapeOf(proto));
    expect(proto['CreateCertificate']?.path).toBe('/weft.ca.v1.WeftCertificateService/CreateCertificate');
  });

  it('ca proto - encodes and decodes a request as the .proto says (int64 validity as a number)', () => {
    const method = (weftCaServiceDefinition() as unknown as Record<string, { requestSerialize: (v: unknown) => Buffer; requestDeserialize: (b: Buffer) => unknown }>)['CreateCertificate'];
    const bytes = method!.requestSerialize({ csr: 'PEM', validity_duration: 3600 });
    // Field 1 (csr, length-delimited) then field 3 (varint 3600): 0a 03 'PEM' 18 90 1c.
    expect(bytes.toString('hex')).toBe('0a0350454d18901c');
    expect(method!.requestDeserialize(bytes)).toEqual({ csr: 'PEM', validity_duration: 3600 });
  });
});
