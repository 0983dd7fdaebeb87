import { describe, expect, it } from 'vitest';
import { validateResource } from '@weft/snapshot';
import { meshSslObjects, MeshSslError } from './ssl-objects.js';
import { issueTestSvid, testCa } from './testing-svid.js';

describe('mesh tls - ssl objects', () => {
  it('weft-outbound (client) and weft-inbound (server, SNI = the SVID’s mesh names, client CA = the bundle) pass the snapshot’s ssl schema', async () => {
    const ca = await testCa();
    const svid = await issueTestSvid(ca, ['9080.reviews.default.svc.cluster.local']);
    const { inbound, outbound } = meshSslObjects({ chainPem: svid.chainPem, privateKeyPem: svid.privateKeyPem, bundlePem: svid.trustBundlePem, dnsNames: ['9080.reviews.default.svc.cluster.local', '9080.reviews.default.svc.cluster.local'] });
    expect(outbound).toEqual({ id: 'weft-outbound', type: 'client', cert: svid.chainPem, key: svid.privateKeyPem });
    expect(inbound).toEqual({
      id: 'weft-inbound',
      type: 'server',
      cert: svid.chainPem,
      key: svid.privateKeyPem,
      snis: ['9080.reviews.default.svc.cluster.local'],
      client: { ca: svid.trustBundlePem, depth: 2 },
    });
    expect(validateResource('ssls', inbound, 'weft-inbound')).toEqual([]);
    expect(validateResource('ssls', outbound, 'weft-outbound')).toEqual([]);
  });

  it('no inbound object while the SVID carries no mesh name; a material APISIX would refuse is never returned', async () => {
    const ca = await testCa();
    const svid = await issueTestSvid(ca, []);
    expect(meshSslObjects({ chainPem: svid.chainPem, privateKeyPem: svid.privateKeyPem, bundlePem: svid.trustBundlePem, dnsNames: [] }).inbound).toBeUndefined();
    expect(() => meshSslObjects({ chainPem: 'not a certificate', privateKeyPem: svid.privateKeyPem, bundlePem: svid.trustBundlePem, dnsNames: [] })).toThrow(MeshSslError);
  });
});
