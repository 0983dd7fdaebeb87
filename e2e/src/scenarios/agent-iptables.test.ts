import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/wait.js';

// `weft-agent iptables` for real: two network namespaces joined by a veth pair, the "pod" (app) and a "peer" host.
// Every address below exists only inside these namespaces; the machine's own network is never touched.
//
//   app ns  weft-app 10.250.0.1/30, 10.250.1.1/30, fd57:e2e::1/64  ══veth══  weft-peer 10.250.0.2, 10.250.1.2, fd57:e2e::2  peer ns
//   listeners: outbound-proxy :15001, inbound-proxy :15006,            listeners: upstream :9000, upstream-excluded-port :9443
//              app :8080, agent-health :15021, ssh :22

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = `${repo}apps/agent/src/iptables/cli.ts`;
const NODE = process.execPath;
const suffix = randomBytes(3).toString('hex');
const APP_NS = `weft-e2e-${suffix}`;
const PEER_NS = `weft-e2e-${suffix}-peer`;
const PROXY_UID = 1337;
const APP_UID = 4242;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(bin: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: repo, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function must(bin: string, args: readonly string[]): Promise<string> {
  const result = await run(bin, args);
  if (result.code !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** `weft-agent iptables …` as its own process inside the app namespace, through tsx like the agent's CLI. */
function weftIptables(...args: string[]): Promise<Run> {
  return run('ip', ['netns', 'exec', APP_NS, NODE, '--import', 'tsx', CLI, ...args]);
}

async function natTable(ns: string, family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<string[]> {
  const saved = await must('ip', ['netns', 'exec', ns, family === 'ipv4' ? 'iptables-save' : 'ip6tables-save', '-t', 'nat']);
  return saved.split('\n').filter((line) => line.startsWith('-A ') || line.startsWith(':WEFT'));
}

// Each listener answers every connection with its label and the local port the connection really reached.
const LISTENERS = `
const net = require('node:net');
const specs = JSON.parse(process.argv[1]);
let ready = 0;
for (const { label, host, port } of specs) {
  const server = net.createServer((socket) => {
    socket.end(JSON.stringify({ label, localPort: socket.localPort, remoteAddress: socket.remoteAddress }) + '\\n');
  });
  server.on('error', (err) => { console.error(label, err.message); process.exit(1); });
  server.listen({ host, port, ipv6Only: host === '::' }, () => { if (++ready === specs.length) console.log('ready'); });
}`;

// Connects once (optionally as another user and group first) and prints what the listener said, or the error.
const CLIENT = `
const net = require('node:net');
const [host, port, uid, gid] = process.argv.slice(1);
if (gid) { process.setgroups([]); process.setgid(Number(gid)); }
if (uid) process.setuid(Number(uid));
const socket = net.connect({ host, port: Number(port), timeout: 5000 });
let data = '';
socket.setEncoding('utf8');
socket.on('data', (chunk) => { data += chunk; });
socket.on('end', () => process.stdout.write(data));
socket.on('timeout', () => { process.stdout.write(JSON.stringify({ error: 'timeout' })); socket.destroy(); });
socket.on('error', (err) => process.stdout.write(JSON.stringify({ error: err.code })));`;

interface Reply {
  readonly label?: string;
  readonly localPort?: number;
  readonly error?: string;
}

async function connect(fromNs: string, host: string, port: number, as?: { uid: number; gid: number }): Promise<Reply> {
  const owner = as === undefined ? [] : [String(as.uid), String(as.gid)];
  const out = await must('ip', ['netns', 'exec', fromNs, NODE, '-e', CLIENT, host, String(port), ...owner]);
  return JSON.parse(out) as Reply;
}

const listeners: ChildProcess[] = [];

async function startListeners(ns: string, specs: readonly { label: string; host: string; port: number }[]): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns, NODE, '-e', LISTENERS, JSON.stringify(specs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  listeners.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let ready = false;
  createInterface({ input: child.stdout }).on('line', (line) => (ready ||= line === 'ready'));
  await waitFor(`listeners in ${ns}`, () => ready, {
    timeoutMs: 15_000,
    check: () => {
      if (child.exitCode !== null) throw new Error(`listeners in ${ns} exited ${child.exitCode}: ${stderr}`);
    },
  });
}

let tornDown = false;
async function teardown(): Promise<void> {
  if (tornDown) return;
  tornDown = true;
  await Promise.all(
    listeners.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }),
  );
  for (const ns of [APP_NS, PEER_NS]) await run('ip', ['netns', 'del', ns]);
}

describe('agent iptables in a network namespace', () => {
  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this scenario creates network namespaces: run it as root');
    const tools = ['ip', 'iptables-restore', 'iptables-save', 'ip6tables-restore', 'ip6tables-save', 'iptables-legacy-restore', 'iptables-legacy-save'];
    for (const tool of tools) {
      const found = await run('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${tool}`]);
      if (found.code !== 0) throw new Error(`'${tool}' is missing: run scripts/servers/install-debian.sh (Debian packages iptables, iproute2)`);
    }
    await must('ip', ['netns', 'add', APP_NS]);
    await must('ip', ['netns', 'add', PEER_NS]);
    // The veth pair is created inside the app namespace with its far end placed in the peer: never in the host.
    await must('ip', ['-n', APP_NS, 'link', 'add', 'weft-app', 'type', 'veth', 'peer', 'name', 'weft-peer', 'netns', PEER_NS]);
    const addresses: [string, string, string[]][] = [
      [APP_NS, 'weft-app', ['10.250.0.1/30', '10.250.1.1/30', 'fd57:e2e::1/64']],
      [PEER_NS, 'weft-peer', ['10.250.0.2/30', '10.250.1.2/30', 'fd57:e2e::2/64']],
    ];
    for (const [ns, dev, cidrs] of addresses) {
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      for (const cidr of cidrs) await must('ip', ['-n', ns, 'addr', 'add', cidr, 'dev', dev, ...(cidr.includes(':') ? ['nodad'] : [])]);
      await must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
    await startListeners(APP_NS, [
      { label: 'outbound-proxy', host: '0.0.0.0', port: 15001 },
      { label: 'outbound-proxy', host: '::', port: 15001 },
      { label: 'inbound-proxy', host: '0.0.0.0', port: 15006 },
      { label: 'app', host: '0.0.0.0', port: 8080 },
      { label: 'agent-health', host: '0.0.0.0', port: 15021 },
      { label: 'ssh', host: '0.0.0.0', port: 22 },
    ]);
    await startListeners(PEER_NS, [
      { label: 'upstream', host: '0.0.0.0', port: 9000 },
      { label: 'upstream', host: '::', port: 9000 },
      { label: 'upstream-excluded-port', host: '0.0.0.0', port: 9443 },
      { label: 'app-peer', host: '0.0.0.0', port: 8080 },
    ]);
    // Before any rule: the app reaches the peer directly, over both families.
    await waitFor('the veth link', async () => (await connect(APP_NS, '10.250.0.2', 9000)).label === 'upstream', { timeoutMs: 10_000 });
    await waitFor('the veth link (IPv6)', async () => (await connect(APP_NS, 'fd57:e2e::2', 9000)).label === 'upstream', { timeoutMs: 10_000 });
  });

  afterAll(teardown);

  const ruleFlags = ['--exclude-outbound-ports', '9443', '--exclude-outbound-cidrs', '10.250.1.0/24', '--proxy-uid', String(PROXY_UID)];

  it('agent iptables - applies the rules inside the namespace only', async () => {
    const result = await weftIptables(...ruleFlags);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ipv4: applied (inbound → :15006, outbound → :15001, proxy uid 1337 gid 1337');
    const table = await natTable(APP_NS);
    expect(table).toContain('-A OUTPUT -p tcp -j WEFT_OUTPUT');
    expect(table).toContain('-A WEFT_OUTPUT -d 10.250.1.0/24 -j RETURN');
    expect(await natTable(PEER_NS)).toEqual([]);
  });

  it('agent iptables - (a) the app’s connection to the peer arrives at the outbound proxy port', async () => {
    expect(await connect(APP_NS, '10.250.0.2', 9000)).toMatchObject({ label: 'outbound-proxy', localPort: 15001 });
    // Any app user is redirected, root included: only the proxy's identity is exempt.
    expect(await connect(APP_NS, '10.250.0.2', 8080, { uid: APP_UID, gid: APP_UID })).toMatchObject({ label: 'outbound-proxy' });
  });

  it('agent iptables - (b) an excluded port or CIDR goes straight through to the peer', async () => {
    expect(await connect(APP_NS, '10.250.0.2', 9443)).toMatchObject({ label: 'upstream-excluded-port', localPort: 9443 });
    expect(await connect(APP_NS, '10.250.1.2', 9000)).toMatchObject({ label: 'upstream', localPort: 9000 });
  });

  it('agent iptables - (c) the proxy’s own traffic (its uid, or its gid) is not redirected', async () => {
    expect(await connect(APP_NS, '10.250.0.2', 9000, { uid: PROXY_UID, gid: PROXY_UID })).toMatchObject({ label: 'upstream', localPort: 9000 });
    expect(await connect(APP_NS, '10.250.0.2', 9000, { uid: APP_UID, gid: PROXY_UID })).toMatchObject({ label: 'upstream' });
  });

  it('agent iptables - (d) inbound connections from the peer land on the inbound proxy port, excluded ports do not', async () => {
    expect(await connect(PEER_NS, '10.250.0.1', 8080)).toMatchObject({ label: 'inbound-proxy', localPort: 15006 });
    expect(await connect(PEER_NS, '10.250.0.1', 15021)).toMatchObject({ label: 'agent-health', localPort: 15021 });
    expect(await connect(PEER_NS, '10.250.0.1', 22)).toMatchObject({ label: 'ssh', localPort: 22 });
  });

  it('agent iptables - loopback: the app reaches itself directly; the proxy calling the pod IP is inbound', async () => {
    expect(await connect(APP_NS, '127.0.0.1', 8080)).toMatchObject({ label: 'app' });
    expect(await connect(APP_NS, '10.250.0.1', 8080, { uid: APP_UID, gid: APP_UID })).toMatchObject({ label: 'app' });
    // The app called its own Service: the outbound proxy (uid 1337) forwards to this pod's IP, which must go inbound.
    expect(await connect(APP_NS, '10.250.0.1', 8080, { uid: PROXY_UID, gid: PROXY_UID })).toMatchObject({ label: 'inbound-proxy', localPort: 15006 });
    // The proxy reaching the app on loopback (its upstream for inbound traffic) is not sent back to itself.
    expect(await connect(APP_NS, '127.0.0.1', 8080, { uid: PROXY_UID, gid: PROXY_UID })).toMatchObject({ label: 'app' });
  });

  it('agent iptables - applying twice leaves exactly one copy of every rule', async () => {
    const before = await natTable(APP_NS);
    const again = await weftIptables(...ruleFlags);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('replaced 2 earlier jump(s)');
    expect(await natTable(APP_NS)).toEqual(before);
    expect(await connect(APP_NS, '10.250.0.2', 9000)).toMatchObject({ label: 'outbound-proxy' });
  });

  it('agent iptables - --ipv6 redirects IPv6 too, and replaces the IPv4 rules in place', async () => {
    const result = await weftIptables(...ruleFlags, '--ipv6');
    expect(result.code).toBe(0);
    expect(await connect(APP_NS, 'fd57:e2e::2', 9000)).toMatchObject({ label: 'outbound-proxy', localPort: 15001 });
    expect(await connect(APP_NS, 'fd57:e2e::2', 9000, { uid: PROXY_UID, gid: PROXY_UID })).toMatchObject({ label: 'upstream' });
    expect((await natTable(APP_NS)).filter((line) => line === '-A OUTPUT -p tcp -j WEFT_OUTPUT')).toHaveLength(1);
  });

  it('agent iptables - (e) --cleanup restores direct connectivity, and a second cleanup is a no-op', async () => {
    const cleanup = await weftIptables('--cleanup', '--ipv6');
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toContain('ipv4: removed 4 chain(s), 2 jump(s)');
    expect(cleanup.stdout).toContain('ipv6: removed 4 chain(s), 2 jump(s)');
    expect(await natTable(APP_NS)).toEqual([]);
    expect(await natTable(APP_NS, 'ipv6')).toEqual([]);
    expect(await connect(APP_NS, '10.250.0.2', 9000)).toMatchObject({ label: 'upstream' });
    expect(await connect(APP_NS, 'fd57:e2e::2', 9000)).toMatchObject({ label: 'upstream' });
    expect(await connect(PEER_NS, '10.250.0.1', 8080)).toMatchObject({ label: 'app' });
    const twice = await weftIptables('--cleanup', '--ipv6');
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('ipv4: nothing to remove');
  });

  it('agent iptables - a missing iptables-restore fails the command with exit 3 and leaves no rule', async () => {
    const result = await weftIptables('--iptables-restore', '/nonexistent/iptables-restore');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("'iptables-restore' was not found");
    expect(result.stderr).toContain('apt-get install -y iptables');
    expect(await natTable(APP_NS)).toEqual([]);
  });

  it('agent iptables - the legacy (x_tables) backend gives the same interception', async () => {
    const legacy = ['--iptables-restore', 'iptables-legacy-restore', '--iptables-save', 'iptables-legacy-save'];
    const applied = await weftIptables(...ruleFlags, ...legacy);
    expect(applied.code).toBe(0);
    expect(await connect(APP_NS, '10.250.0.2', 9000)).toMatchObject({ label: 'outbound-proxy', localPort: 15001 });
    expect(await connect(APP_NS, '10.250.0.2', 9000, { uid: PROXY_UID, gid: PROXY_UID })).toMatchObject({ label: 'upstream' });
    expect(await connect(PEER_NS, '10.250.0.1', 8080)).toMatchObject({ label: 'inbound-proxy', localPort: 15006 });
    const cleanup = await weftIptables('--cleanup', ...legacy);
    expect(cleanup.stdout).toContain('ipv4: removed 4 chain(s), 2 jump(s)');
    expect(await connect(APP_NS, '10.250.0.2', 9000)).toMatchObject({ label: 'upstream' });
  });
});

it('agent iptables - leaves no namespace and no listener behind', async () => {
  await teardown();
  const namespaces = await must('ip', ['netns', 'list']);
  expect(namespaces).not.toContain(APP_NS);
  expect(namespaces).not.toContain(PEER_NS);
  expect(listeners.every((child) => child.exitCode !== null || child.signalCode !== null)).toBe(true);
});
