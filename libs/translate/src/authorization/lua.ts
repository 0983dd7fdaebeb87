import type { AllowRule } from './policy.js';

/**
 * The Lua function that enforces MeshAuthorization rules in APISIX (`serverless-pre-function`, access phase).
 *
 * APISIX has no plugin that authorizes by the client certificate's URI SAN, so the function reads the peer's SPIFFE ID
 * itself: the TLS layer has verified the certificate against the mesh trust bundle (`ssl_client_verify == SUCCESS`),
 * and lua-resty-openssl (bundled with APISIX) reads its one URI SAN from `$ssl_client_raw_cert`. A request passes when
 * some rule's source (principal, principal prefix, or the `ns/<ns>/sa/<sa>` namespace) and operation (path against the
 * normalised `$uri`, method) match; anything else, a peer without a verified SVID included, gets 403.
 *
 * The rules are data, not code: they travel as one JSON text inside a Lua long string (whose bracket level is chosen
 * so that no value can close it) and are decoded once, when APISIX loads the function. No user-written value is ever
 * spliced into Lua code, and the code around the JSON is the same for every policy.
 */

/** The JSON document the function decodes: `rules` in order; sets are objects so the check is a lookup. */
interface RuleDocument {
  readonly principals: Readonly<Record<string, true>>;
  readonly principalPrefixes: readonly string[];
  readonly namespaces: Readonly<Record<string, true>>;
  readonly paths?: { readonly exact: Readonly<Record<string, true>>; readonly prefixes: readonly string[] };
  readonly methods?: Readonly<Record<string, true>>;
}

function asSet(values: readonly string[]): Record<string, true> {
  const out: Record<string, true> = {};
  for (const v of values) out[v] = true;
  return out;
}

function ruleDocument(rule: AllowRule): RuleDocument {
  return {
    principals: asSet(rule.principals),
    principalPrefixes: rule.principalPrefixes,
    namespaces: asSet(rule.namespaces),
    ...(rule.paths === undefined ? {} : { paths: { exact: asSet(rule.paths.exact), prefixes: rule.paths.prefixes } }),
    ...(rule.methods === undefined ? {} : { methods: asSet(rule.methods) }),
  };
}

/** `[==[text]==]` with the fewest '=' for which `text` holds no closing bracket. */
export function luaLongString(text: string): string {
  let level = 0;
  while (text.includes(`]${'='.repeat(level)}]`)) level++;
  const eq = '='.repeat(level);
  // A long string drops a newline that directly follows its opening bracket; JSON never starts with one.
  return `[${eq}[${text}]${eq}]`;
}

// The fixed part of the function. Written as plain Lua 5.1 (LuaJIT), checked by a real Lua parser in the tests.
const PRELUDE = `-- Weft MeshAuthorization check (generated from the policies in the JSON below; do not edit).
local core = require("apisix.core")
local x509 = require("resty.openssl.x509")
local ngx = ngx
local ipairs = ipairs
local pcall = pcall
local sub = string.sub
local policy = require("cjson.safe").decode(`;

const BODY = `) or { rules = {} }
local rules = policy.rules
local ids, cached = {}, 0

-- The peer's SPIFFE ID: the one URI SAN of its certificate (an SVID has exactly one), or false.
local function read_id(pem)
  local cert = x509.new(pem, "PEM")
  local names = cert and cert:get_subject_alt_name()
  if not names then return false end
  local id, uris = false, 0
  for kind, value in names:each() do
    if kind == "URI" then
      uris = uris + 1
      id = value
    end
  end
  if uris ~= 1 or sub(id, 1, 9) ~= "spiffe://" then return false end
  return id
end

local function peer_id(pem)
  if pem == nil or pem == "" then return nil end
  local id = ids[pem]
  if id == nil then
    local ok, value = pcall(read_id, pem)
    id = ok and value or false
    if cached >= 1024 then ids, cached = {}, 0 end
    ids[pem] = id
    cached = cached + 1
  end
  return id or nil
end

local function source_ok(rule, id, ns)
  if rule.principals[id] then return true end
  for _, prefix in ipairs(rule.principalPrefixes) do
    if sub(id, 1, #prefix) == prefix then return true end
  end
  return ns ~= nil and rule.namespaces[ns] == true
end

local function path_ok(rule, path)
  local paths = rule.paths
  if paths == nil then return true end
  if paths.exact[path] then return true end
  for _, prefix in ipairs(paths.prefixes) do
    -- Whole path elements: "/api/" admits /api and /api/x, not /apis.
    if sub(path, 1, #prefix) == prefix or path == sub(prefix, 1, -2) then return true end
  end
  return false
end

return function(conf, ctx)
  local var = ngx.var
  local id
  if var.ssl_client_verify == "SUCCESS" then id = peer_id(var.ssl_client_raw_cert) end
  if id then
    local ns = id:match("^spiffe://[^/]+/ns/([^/]+)/sa/[^/]+$")
    local path, method = var.uri, ngx.req.get_method()
    for _, rule in ipairs(rules) do
      if source_ok(rule, id, ns) and path_ok(rule, path) and (rule.methods == nil or rule.methods[method]) then
        return
      end
    end
  end
  ngx.log(ngx.INFO, "weft: MeshAuthorization denied ", id or "a peer without a verified SPIFFE ID")
  return core.response.exit(403, { message = "access denied by MeshAuthorization" })
end
`;

/** The function for one inbound port of a workload: `policies` are the keys of the policies whose rules it holds. */
export function authorizationFunction(policies: readonly string[], rules: readonly AllowRule[]): string {
  const json = JSON.stringify({ policies, rules: rules.map(ruleDocument) });
  return `${PRELUDE}${luaLongString(json)}${BODY}`;
}
