import type { ApisixRoute } from '@weft/model';
import { describe, expect, it } from 'vitest';
import { mkResources, mkRoute } from '../testing/builders.js';
import { validateResources } from './index.js';

function problems(route: object): [string, string][] {
  return validateResources(mkResources({ routes: [route as ApisixRoute] })).map((p) => [p.code, p.path]);
}

describe('route validation', () => {
  it('accepts a complete route', () => {
    expect(
      problems(
        mkRoute('default.web.80-0', {
          name: 'web',
          desc: 'default route',
          labels: { 'weft.dev/route': 'web' },
          uris: ['/api/*', '/health'],
          hosts: ['web', '*.web.default.svc', '10.0.0.1:80', '[::1]'],
          remote_addrs: ['10.0.0.0/8', '::1', 'fd00::/8'],
          methods: ['GET', 'PURGE'],
          priority: -3,
          // APISIX allows a leading logical operator; the model's type does not spell it.
          vars: ['OR', ['http_x_canary', '==', '1'], ['arg_v', '!', '~~', '^v2'], ['AND', ['cookie_a', '==', 'b']]] as never,
          plugins: { 'proxy-rewrite': { uri: '/' } },
          plugin_config_id: 'pc',
          timeout: { connect: 1, send: 0.5, read: 30 },
          enable_websocket: true,
          status: 0,
          uri: undefined,
        }),
      ),
    ).toEqual([]);
  });

  it('needs exactly one of uri and uris', () => {
    expect(problems(mkRoute('r', { uri: undefined }))).toEqual([['missing_field', 'routes[r].uri']]);
    expect(problems(mkRoute('r', { uri: '/', uris: ['/a'] }))).toEqual([['conflicting_fields', 'routes[r].uris']]);
    expect(problems(mkRoute('r', { uri: undefined, uris: [] }))).toEqual([['invalid_value', 'routes[r].uris']]);
    expect(problems(mkRoute('r', { uri: '' }))).toEqual([['invalid_value', 'routes[r].uri']]);
    expect(problems(mkRoute('r', { uri: undefined, uris: ['/a', '/a'] }))).toEqual([['invalid_value', 'routes[r].uris']]);
  });

  it('needs plugins or upstream_id', () => {
    expect(problems(mkRoute('r', { upstream_id: undefined }))).toEqual([['missing_field', 'routes[r].upstream_id']]);
    // plugin_config_id alone is not enough for APISIX's schema.
    expect(problems(mkRoute('r', { upstream_id: undefined, plugin_config_id: 'pc' }))).toEqual([['missing_field', 'routes[r].upstream_id']]);
    expect(problems(mkRoute('r', { upstream_id: undefined, plugins: {} }))).toEqual([]);
  });

  it('refuses fields APISIX does not know, and fields Weft does not manage', () => {
    expect(problems({ ...mkRoute('r'), upstream: { nodes: [] }, service_id: 's', foo: 1 })).toEqual([
      ['unknown_field', 'routes[r].upstream'],
      ['unknown_field', 'routes[r].service_id'],
      ['unknown_field', 'routes[r].foo'],
    ]);
  });

  it('checks ids, hosts, methods and addresses', () => {
    expect(problems(mkRoute('ns/name'))).toEqual([['invalid_value', 'routes[ns/name].id']]);
    expect(problems(mkRoute('r', { upstream_id: 'a b' }))).toEqual([['invalid_value', 'routes[r].upstream_id']]);
    expect(problems(mkRoute('r', { host: 'a', hosts: ['b'] }))).toEqual([['conflicting_fields', 'routes[r].hosts']]);
    expect(problems(mkRoute('r', { hosts: ['ok', 'bad host', 'a*.b'] }))).toEqual([
      ['invalid_value', 'routes[r].hosts[1]'],
      ['invalid_value', 'routes[r].hosts[2]'],
    ]);
    expect(problems(mkRoute('r', { methods: ['GET', 'get' as 'GET', 'GET'] }))).toEqual([
      ['invalid_value', 'routes[r].methods'],
      ['invalid_value', 'routes[r].methods[1]'],
    ]);
    expect(problems(mkRoute('r', { remote_addrs: ['10.0.0.0/33', '300.1.1.1', 'fe80::/129', 'x'] }))).toHaveLength(4);
  });

  it('checks numbers, timeouts, status and expressions', () => {
    expect(problems(mkRoute('r', { priority: 1.5 }))).toEqual([['invalid_value', 'routes[r].priority']]);
    expect(problems(mkRoute('r', { timeout: { connect: 0, send: 1 } as never }))).toEqual([
      ['invalid_value', 'routes[r].timeout.connect'],
      ['missing_field', 'routes[r].timeout.read'],
    ]);
    expect(problems(mkRoute('r', { status: 2 as 1 }))).toEqual([['invalid_value', 'routes[r].status']]);
    expect(problems(mkRoute('r', { vars: ['XOR', ['a', '==', 'b']] as never }))).toEqual([['invalid_value', 'routes[r].vars[0]']]);
    expect(problems(mkRoute('r', { vars: [['a']] }))).toEqual([['invalid_value', 'routes[r].vars[0]']]);
    expect(problems(mkRoute('r', { vars: 'a == b' as never }))).toEqual([['invalid_value', 'routes[r].vars']]);
  });

  it('checks metadata and plugin configs', () => {
    expect(
      problems(mkRoute('r', { name: '', desc: 'x'.repeat(257), labels: { a: 'has space' }, plugins: { cors: true } })),
    ).toEqual([
      ['invalid_value', 'routes[r].name'],
      ['invalid_value', 'routes[r].desc'],
      ['invalid_value', 'routes[r].labels.a'],
      ['invalid_value', 'routes[r].plugins.cors'],
    ]);
  });
});
