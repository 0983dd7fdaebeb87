// The generated Lua run through a real LuaJIT (Debian's luajit and lua-cjson, installed by
// scripts/servers/install-debian.sh): its syntax with `luajit -bl`, the long-string embedding of the rules byte for
// byte, and its decisions. In the decision test only APISIX's own modules are stand-ins (`apisix.core`'s
// response.exit, lua-resty-openssl's x509 reading a SAN list, `ngx.var`): the Lua under test, the VM and the JSON
// decoder are the real ones.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthorizationRuleView, MeshAuthorizationView } from '@weft/model';
import { authorizationFunction, luaLongString } from './lua.js';
import { compilePolicy } from './policy.js';
import type { AllowRule } from './policy.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-lua-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function luajit(args: readonly string[]): string {
  try {
    return execFileSync('luajit', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('luajit is missing: run scripts/servers/install-debian.sh (Debian packages luajit, lua-cjson)');
    throw new Error(`luajit ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

let files = 0;
function write(name: string, text: string): string {
  const path = join(dir, `${String(files++)}-${name}`);
  writeFileSync(path, text);
  return path;
}

const policy = (name: string, rules: AuthorizationRuleView[]): MeshAuthorizationView => ({
  metadata: { namespace: 'shop', name, generation: 1, creationTimestamp: '', labels: {} },
  matchLabels: { app: 'web' },
  rules,
});

/** The rules of policies for one port, as the translator hands them to authorizationFunction. */
function rulesFor(port: number, ...policies: MeshAuthorizationView[]): { keys: string[]; rules: AllowRule[] } {
  const compiled = policies.map(compilePolicy);
  for (const c of compiled) expect(c.status.conditions[0]?.status, c.status.conditions[0]?.message).toBe('True');
  const rules = compiled.flatMap((c) => c.rules).filter((r) => r.ports === undefined || r.ports.includes(port));
  return { keys: compiled.map((c) => c.key), rules };
}

const FRONTEND = 'spiffe://cluster.local/ns/frontend/sa/web';

const orders = policy('orders', [
  { from: { principals: [FRONTEND], namespaces: [] }, to: { ports: [8080], paths: [{ type: 'PathPrefix', value: '/api' }], methods: ['GET', 'POST'] } },
  { from: { principals: [], namespaces: ['ops'] }, to: { ports: [8080], paths: [{ type: 'Exact', value: '/healthz' }], methods: ['GET'] } },
  {
    from: { principals: ['spiffe://cluster.local/ns/team-a/sa/*', 'spiffe://partner.example/*', 'spiffe://cluster.local/ns/shop/sa/batch-*'], namespaces: [] },
    to: { ports: [], paths: [{ type: 'PathPrefix', value: '/reports/' }], methods: [] },
  },
]);
const worker = policy('worker', [{ from: { principals: ['spiffe://cluster.local/ns/batch/sa/worker'], namespaces: [] } }]);
const hostile = policy('hostile', [
  { from: { principals: [FRONTEND], namespaces: [] }, to: { ports: [], paths: [{ type: 'Exact', value: '/a]]b' }, { type: 'Exact', value: '/x]==]y")end--' }, { type: 'PathPrefix', value: '/é/ü' }], methods: [] } },
]);

const FUNCTIONS = {
  http: rulesFor(8080, orders, worker),
  grpc: rulesFor(9090, orders, worker),
  hostile: rulesFor(8080, hostile),
  none: { keys: ['shop/empty'], rules: [] as AllowRule[] },
};
type FunctionName = keyof typeof FUNCTIONS;
const SOURCES: Record<FunctionName, string> = Object.fromEntries(
  Object.entries(FUNCTIONS).map(([name, { keys, rules }]) => [name, authorizationFunction(keys, rules)]),
) as Record<FunctionName, string>;

/** Runs each request through its function in one LuaJIT process: 'pass' or the status it exited with. */
function decide(requests: readonly Request[], certs: Record<string, Cert>): string[] {
  const names = Object.keys(SOURCES) as FunctionName[];
  const input = write('cases.json', JSON.stringify({ functions: names.map((n) => SOURCES[n]), certs, requests: requests.map((r) => ({ ...r, fn: names.indexOf(r.fn) + 1 })) }));
  const output = luajit([write('driver.lua', DRIVER), input]);
  return output.trimEnd().split('\n');
}

interface Cert {
  readonly sans?: readonly (readonly [string, string])[];
  readonly broken?: true;
}

interface Request {
  readonly fn: FunctionName;
  readonly pem?: string;
  readonly verify?: string;
  readonly uri: string;
  readonly method: string;
}

// Loads each function as APISIX's serverless plugin does (loadstring, then call the chunk for the function), with
// stand-ins for the modules only APISIX has, then calls it for each request.
const DRIVER = `
local cjson = require("cjson")
local input = cjson.decode(assert(io.open(arg[1])):read("*a"))
local current
package.loaded["apisix.core"] = { response = { exit = function(code, body)
  assert(type(body) == "table" and type(body.message) == "string")
  current.exit = code
  return code
end } }
package.loaded["resty.openssl.x509"] = { new = function(pem, fmt)
  assert(fmt == "PEM")
  local cert = input.certs[pem]
  if cert == nil then return nil, "x509.new: not a PEM certificate" end
  if cert.broken then error("x509: unknown GENERAL_NAME type") end
  return { get_subject_alt_name = function()
    if cert.sans == nil then return nil end
    return { each = function()
      local i = 0
      return function()
        i = i + 1
        local san = cert.sans[i]
        if san then return san[1], san[2] end
      end
    end }
  end }
end }
ngx = { INFO = 7, log = function() end, var = {}, req = { get_method = function() return current.method end } }
local functions = {}
for i, source in ipairs(input.functions) do
  local chunk = assert(loadstring(source))
  local ok, fn = pcall(chunk)
  assert(ok and type(fn) == "function", tostring(fn))
  functions[i] = fn
end
for _, request in ipairs(input.requests) do
  current = request
  ngx.var = { ssl_client_verify = request.verify, ssl_client_raw_cert = request.pem, uri = request.uri }
  functions[request.fn](nil, {})
  io.write(current.exit and tostring(current.exit) or "pass", "\\n")
end
`;

describe('authorization lua - real LuaJIT', () => {
  it('every generated function passes `luajit -bl` (the bytecode compiler: a syntax error fails it)', () => {
    for (const [name, source] of Object.entries(SOURCES)) {
      const listing = luajit(['-bl', write(`${name}.lua`, source)]);
      expect(listing, name).toContain('BYTECODE');
    }
  });

  it('a Lua long string gives back any JSON text byte for byte, whatever brackets its values hold', () => {
    const text = fc.string({ unit: fc.constantFrom(']', '=', '[', '"', '\\', '\n', '\r', '\u0000', 'é', '\u{1F600}', '\ud800', 'a'), maxLength: 40 });
    const samples = fc.sample(fc.oneof(text.map((s) => JSON.stringify(s)), fc.array(text).map((a) => JSON.stringify({ rules: a }))), 300);
    samples.push(JSON.stringify(']]'), JSON.stringify(']=]]==]]===]'), '{"a":"]"}');
    const script = `local cases = {\n${samples.map((s) => `${luaLongString(s)},`).join('\n')}\n}\nfor _, s in ipairs(cases) do io.write(#s, "\\n", s, "\\n") end\n`;
    const output = execFileSync('luajit', [write('strings.lua', script)], { maxBuffer: 64 * 1024 * 1024 });
    let at = 0;
    for (const sample of samples) {
      const newline = output.indexOf(10, at);
      const length = Number(output.subarray(at, newline).toString('latin1'));
      const bytes = output.subarray(newline + 1, newline + 1 + length);
      expect(bytes.toString('utf8')).toBe(sample);
      at = newline + 1 + length + 1;
    }
    expect(at).toBe(output.length);
  });

  it('allows exactly what the rules say: principal, prefix, namespace, path, method, port; 403 for everything else', () => {
    const certs: Record<string, Cert> = {
      frontend: { sans: [['DNS', 'web.frontend.svc'], ['URI', FRONTEND]] },
      ops: { sans: [['URI', 'spiffe://cluster.local/ns/ops/sa/prober']] },
      opsFederated: { sans: [['URI', 'spiffe://other.example/ns/ops/sa/prober']] },
      opsNested: { sans: [['URI', 'spiffe://cluster.local/ns/ops/sa/prober/extra']] },
      teamA: { sans: [['URI', 'spiffe://cluster.local/ns/team-a/sa/anything']] },
      teamAb: { sans: [['URI', 'spiffe://cluster.local/ns/team-ab/sa/x']] },
      partner: { sans: [['URI', 'spiffe://partner.example/billing']] },
      partnerEvil: { sans: [['URI', 'spiffe://partner.example.evil/billing']] },
      batch: { sans: [['URI', 'spiffe://cluster.local/ns/shop/sa/batch-nightly']] },
      worker: { sans: [['URI', 'spiffe://cluster.local/ns/batch/sa/worker']] },
      twoUris: { sans: [['URI', FRONTEND], ['URI', 'spiffe://cluster.local/ns/evil/sa/x']] },
      dnsOnly: { sans: [['DNS', 'web.frontend.svc']] },
      notSpiffe: { sans: [['URI', 'https://cluster.local/ns/frontend/sa/web']] },
      noSans: {},
      broken: { broken: true },
    };
    const cases: [Request, string][] = [
      [{ fn: 'http', pem: 'frontend', verify: 'SUCCESS', uri: '/api', method: 'GET' }, 'pass'],
      [{ fn: 'http', pem: 'frontend', verify: 'SUCCESS', uri: '/api/orders/7', method: 'POST' }, 'pass'],
      [{ fn: 'http', pem: 'frontend', verify: 'SUCCESS', uri: '/apis', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'frontend', verify: 'SUCCESS', uri: '/api/x', method: 'DELETE' }, '403'],
      [{ fn: 'http', pem: 'frontend', verify: 'SUCCESS', uri: '/healthz', method: 'GET' }, '403'],
      // The certificate must have been verified by the TLS layer; the SAN of an unverified one counts for nothing.
      [{ fn: 'http', pem: 'frontend', verify: 'FAILED:certificate has expired', uri: '/api', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'frontend', verify: 'NONE', uri: '/api', method: 'GET' }, '403'],
      [{ fn: 'http', uri: '/api', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'ops', verify: 'SUCCESS', uri: '/healthz', method: 'GET' }, 'pass'],
      [{ fn: 'http', pem: 'ops', verify: 'SUCCESS', uri: '/healthz/', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'ops', verify: 'SUCCESS', uri: '/healthz', method: 'HEAD' }, '403'],
      // A namespace matches the ns/<ns>/sa/<sa> form in any trust domain of the bundle (as Istio's namespaces do).
      [{ fn: 'http', pem: 'opsFederated', verify: 'SUCCESS', uri: '/healthz', method: 'GET' }, 'pass'],
      [{ fn: 'http', pem: 'opsNested', verify: 'SUCCESS', uri: '/healthz', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'teamA', verify: 'SUCCESS', uri: '/reports', method: 'PUT' }, 'pass'],
      [{ fn: 'http', pem: 'teamA', verify: 'SUCCESS', uri: '/reports/2026/q1', method: 'GET' }, 'pass'],
      [{ fn: 'http', pem: 'teamA', verify: 'SUCCESS', uri: '/api', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'teamAb', verify: 'SUCCESS', uri: '/reports', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'partner', verify: 'SUCCESS', uri: '/reports', method: 'GET' }, 'pass'],
      [{ fn: 'http', pem: 'partnerEvil', verify: 'SUCCESS', uri: '/reports', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'batch', verify: 'SUCCESS', uri: '/reports/x', method: 'GET' }, 'pass'],
      [{ fn: 'http', pem: 'worker', verify: 'SUCCESS', uri: '/anything', method: 'PATCH' }, 'pass'],
      // Not an SVID: two URI SANs, none, not spiffe://, no SAN at all, a certificate the parser chokes on.
      [{ fn: 'http', pem: 'twoUris', verify: 'SUCCESS', uri: '/api', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'dnsOnly', verify: 'SUCCESS', uri: '/api', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'notSpiffe', verify: 'SUCCESS', uri: '/api', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'noSans', verify: 'SUCCESS', uri: '/api', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'broken', verify: 'SUCCESS', uri: '/api', method: 'GET' }, '403'],
      [{ fn: 'http', pem: 'unknown', verify: 'SUCCESS', uri: '/api', method: 'GET' }, '403'],
      // Port 9090 holds only the rules without ports (and those naming 9090).
      [{ fn: 'grpc', pem: 'frontend', verify: 'SUCCESS', uri: '/api', method: 'POST' }, '403'],
      [{ fn: 'grpc', pem: 'worker', verify: 'SUCCESS', uri: '/pkg.Orders/Get', method: 'POST' }, 'pass'],
      [{ fn: 'grpc', pem: 'teamA', verify: 'SUCCESS', uri: '/reports/x', method: 'POST' }, 'pass'],
      // Values that look like Lua are data.
      [{ fn: 'hostile', pem: 'frontend', verify: 'SUCCESS', uri: '/a]]b', method: 'GET' }, 'pass'],
      [{ fn: 'hostile', pem: 'frontend', verify: 'SUCCESS', uri: '/x]==]y")end--', method: 'GET' }, 'pass'],
      [{ fn: 'hostile', pem: 'frontend', verify: 'SUCCESS', uri: '/é/ü/x', method: 'GET' }, 'pass'],
      [{ fn: 'hostile', pem: 'frontend', verify: 'SUCCESS', uri: '/a', method: 'GET' }, '403'],
      [{ fn: 'none', pem: 'frontend', verify: 'SUCCESS', uri: '/', method: 'GET' }, '403'],
    ];
    // The same peers again after more distinct certificates than the per-function cache holds (it starts afresh).
    const flood: [Request, string][] = [];
    for (let i = 0; i < 1100; i++) {
      certs[`flood-${String(i)}`] = { sans: [['URI', `spiffe://cluster.local/ns/team-a/sa/n${String(i)}`]] };
      flood.push([{ fn: 'http', pem: `flood-${String(i)}`, verify: 'SUCCESS', uri: '/reports', method: 'GET' }, 'pass']);
    }
    const all = [...cases, ...flood, ...cases];
    const answers = decide(all.map(([r]) => r), certs);
    const got = all.map(([r], i) => `${r.fn} ${r.pem ?? '-'} ${r.verify ?? '-'} ${r.method} ${r.uri} → ${answers[i] ?? 'nothing'}`);
    const want = all.map(([r, expected]) => `${r.fn} ${r.pem ?? '-'} ${r.verify ?? '-'} ${r.method} ${r.uri} → ${expected}`);
    expect(got).toEqual(want);
  });

  it('property: the function made from any valid policies loads in LuaJIT and yields a function', () => {
    const principal = fc.constantFrom(FRONTEND, 'spiffe://cluster.local/ns/a/sa/*', 'spiffe://t.d/x_y-z.w', 'spiffe://cluster.local/*');
    const path = fc.record({ type: fc.constantFrom('Exact', 'PathPrefix'), value: fc.stringMatching(/^\/[a-z\]=[)"'\\é-]{0,12}$/) });
    const rule: fc.Arbitrary<AuthorizationRuleView> = fc.record({
      from: fc.record({ principals: fc.array(principal, { minLength: 1, maxLength: 3 }), namespaces: fc.subarray(['a', 'b-c']) }),
      to: fc.record({ ports: fc.subarray([8080, 9090]), paths: fc.array(path, { maxLength: 3 }), methods: fc.subarray(['GET', 'PUT']) }),
    });
    const sources = fc.sample(fc.array(rule, { maxLength: 4 }), 60).map((rules) => {
      const compiled = compilePolicy(policy('p', rules));
      expect(compiled.status.conditions[0]?.status, compiled.status.conditions[0]?.message).toBe('True');
      return authorizationFunction([compiled.key], compiled.rules);
    });
    const input = write('sources.json', JSON.stringify(sources));
    const check = `
      package.loaded["apisix.core"] = {}
      package.loaded["resty.openssl.x509"] = {}
      ngx = {}
      local sources = require("cjson").decode(assert(io.open(arg[1])):read("*a"))
      for i, source in ipairs(sources) do
        local chunk, err = loadstring(source)
        assert(chunk, err)
        local ok, fn = pcall(chunk)
        assert(ok and type(fn) == "function", tostring(fn))
      end
      io.write(#sources)`;
    expect(luajit([write('check.lua', check), input])).toBe(String(sources.length));
  });
});
