import { describe, expect, it } from 'vitest';
import { MeshNameDemand } from './name-demand.js';

const route = (id: string) => ({ kind: 'routes' as const, id, json: JSON.stringify({ id, uri: '/*' }) });
const upstream = (id: string, host: string, nodes: string[], meshed = true) => ({
  kind: 'upstreams' as const,
  id,
  json: JSON.stringify({
    id,
    nodes: nodes.map((ip) => ({ host: ip, port: 9080, weight: 1 })),
    ...(meshed ? { scheme: 'https', pass_host: 'rewrite', upstream_host: host, tls: { client_cert_id: 'weft-outbound' } } : { pass_host: 'pass' }),
  }),
});

describe('mesh tls - the mesh names the snapshot asks of this pod', () => {
  it('inbound mTLS routes need a name per app port; meshed upstreams with an endpoint here name exactly what clients send', () => {
    const demand = new MeshNameDemand(['10.0.0.7']);
    demand.reset([
      route('in.9080'),
      route('in.plain.9080'),
      route('d.default.reviews.9080'),
      upstream('u.default.reviews.9080', '9080.reviews.default.svc.cluster.local', ['10.0.0.7', '10.0.0.8']),
      upstream('u.default.ratings.9080', '9080.ratings.default.svc.cluster.local', ['10.0.0.9']),
      upstream('u.default.plain.9080', '9080.plain.default.svc.cluster.local', ['10.0.0.7'], false),
    ]);
    expect(demand.missing([])).toEqual(['9080.reviews.default.svc.cluster.local', 'port 9080']);
    expect(demand.missing(['9080.reviews.default.svc.cluster.local'])).toEqual([]);
    // Another Service on the same port: the port is covered, the name is not.
    demand.update([upstream('u.default.reviews-v1.9080', '9080.reviews-v1.default.svc.cluster.local', ['10.0.0.7'])]);
    expect(demand.missing(['9080.reviews.default.svc.cluster.local'])).toEqual(['9080.reviews-v1.default.svc.cluster.local']);
    // Gone again; and a new inbound port.
    demand.update([{ kind: 'upstreams', id: 'u.default.reviews-v1.9080', json: undefined }, route('in.9901')]);
    expect(demand.missing(['9080.reviews.default.svc.cluster.local'])).toEqual(['port 9901']);
    demand.update([{ kind: 'routes', id: 'in.9901', json: undefined }]);
    expect(demand.missing(['9080.reviews.default.svc.cluster.local'])).toEqual([]);
  });

  it('names what a CSR asks for: the exact names clients send here, never a bare port', () => {
    const demand = new MeshNameDemand(['10.0.0.7']);
    expect(demand.names()).toEqual([]);
    demand.reset([
      route('in.9080'),
      upstream('u.default.reviews.9080', '9080.reviews.default.svc.cluster.local', ['10.0.0.7']),
      upstream('u.default.reviews-v1.9080', '9080.reviews-v1.default.svc.cluster.local', ['10.0.0.7']),
      // Two upstreams (another client namespace's view) with one name: asked once.
      upstream('u.other.reviews.9080', '9080.reviews.default.svc.cluster.local', ['10.0.0.7']),
      upstream('u.default.ratings.9080', '9080.ratings.default.svc.cluster.local', ['10.0.0.9']),
    ]);
    expect(demand.names()).toEqual(['9080.reviews-v1.default.svc.cluster.local', '9080.reviews.default.svc.cluster.local']);
    demand.update([{ kind: 'upstreams', id: 'u.default.reviews-v1.9080', json: undefined }]);
    expect(demand.names()).toEqual(['9080.reviews.default.svc.cluster.local']);
  });

  it('without pod IPs only the inbound ports count', () => {
    const demand = new MeshNameDemand([]);
    demand.reset([route('in.8080'), upstream('u.a.b.8080', '8080.b.a.svc.cluster.local', ['10.0.0.7'])]);
    expect(demand.missing([])).toEqual(['port 8080']);
    expect(demand.missing(['8080.anything.a.svc.cluster.local'])).toEqual([]);
  });
});
