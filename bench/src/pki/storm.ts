import { KeyObject } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { CaClient, CaRequestError, checkAnswer } from '@weft/agent';
import type { CaAnswer } from '@weft/agent';
import { metric, startCluster, startNats } from '@weft/e2e';
import { formatSpiffeId, nextRotation } from '@weft/pki';
import { rotationSpread } from './rotation-spread.js';
import type { RotationSpread } from './rotation-spread.js';
import { cpuSeconds, createServiceAccounts, prepareAgents, startControlPlane, STORM_NAMESPACE } from './storm-setup.js';
import type { StormAgent } from './storm-setup.js';

export interface StormOptions {
  readonly agents: number;
  readonly serviceAccounts: number;
  /**
   * gRPC (HTTP/2) connections the agents' requests are spread over. Pods each have their own; here one process plays
   * every agent on the CA's own two cores, and 5,000 client TLS handshakes would measure this process more than the
   * CA. --connections <agents> gives the one-per-agent run.
   */
  readonly connections: number;
  readonly timeoutMs: number;
  /** The control plane's --ca-token-verification: `local` (the default) or `tokenreview` (every new token reviewed). */
  readonly tokenVerification: 'local' | 'tokenreview';
}

export interface StormResult {
  readonly benchmark: 'pki-storm';
  readonly agents: number;
  readonly serviceAccounts: number;
  readonly connections: number;
  readonly tokenVerification: 'local' | 'tokenreview';
  readonly issued: number;
  readonly refused: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  readonly issuancesPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Seconds of setup spent creating one pod per agent (their tokens are bound to them). */
  readonly podSetupSeconds: number;
  /** From the control plane's weft_certificate_token_reviews_total: verified locally, TokenReviews, joined, cached. */
  readonly tokenChecks: TokenChecks;
  /** CPU the control plane process used during the storm (its certificate service did the work). */
  readonly caCpuSeconds: number;
  readonly caCpuMsPerIssuance: number;
  readonly apiserverCpuSeconds: number;
  /** This process playing every agent (gRPC calls, client TLS); on a real cluster that work is spread over the pods. */
  readonly clientsCpuSeconds: number;
  /** The same agents asking again at once with the same tokens (an agent restart storm): TokenReviews come from the cache. */
  readonly cachedWave: {
    readonly issued: number;
    readonly elapsedMs: number;
    readonly issuancesPerSecond: number;
    readonly tokenReviews: number;
    readonly caCpuSeconds: number;
    readonly apiserverCpuSeconds: number;
  };
  readonly allWithin10s: boolean;
  /** Other work on the machine skews every figure: the 1-minute load average around the storm. */
  readonly machine: { readonly cpus: number; readonly loadAverageBefore: number; readonly loadAverageAfter: number };
  readonly rotation: RotationSpread & { readonly lifetimeHours: number };
}

interface TokenChecks {
  readonly verified: number;
  readonly reviewed: number;
  readonly shared: number;
  readonly cached: number;
}

const TRUST_DOMAIN = 'cluster.local';
const SERVER_NAME = 'weft-control-plane.weft-system.svc';

const round2 = (n: number): number => Math.round(n * 100) / 100;

type Outcome = { readonly ok: true; readonly ms: number; readonly at: number; readonly answer: CaAnswer } | { readonly ok: false; readonly ms: number; readonly code: string };

interface Wave {
  readonly outcomes: readonly Outcome[];
  readonly elapsedMs: number;
  readonly caCpu: number;
  readonly apiCpu: number;
  readonly clientsCpu: number;
  readonly loadBefore: number;
  readonly loadAfter: number;
  readonly tokenChecks: TokenChecks;
}

async function tokenChecks(health: string): Promise<TokenChecks> {
  const of = (result: string) => metric(health, 'weft_certificate_token_reviews_total', { result });
  return { verified: await of('verified'), reviewed: await of('reviewed'), shared: await of('shared'), cached: await of('cached') };
}

/** Every agent asks at once; returns each outcome and what the storm cost each process. */
async function wave(agents: readonly StormAgent[], clients: readonly CaClient[], at: { readonly cpPid: number; readonly apiserverPid: number; readonly health: string }): Promise<Wave> {
  const checksBefore = await tokenChecks(at.health);
  const cpuBefore = cpuSeconds(at.cpPid);
  const apiBefore = cpuSeconds(at.apiserverPid);
  const loadBefore = loadavg()[0] ?? 0;
  const clientsBefore = process.cpuUsage();
  const started = performance.now();
  const outcomes = await Promise.all(
    agents.map(async (agent, i): Promise<Outcome> => {
      const t0 = performance.now();
      try {
        const answer = await (clients[i % clients.length] as CaClient).createCertificate(agent.csrPem, agent.token, 0);
        return { ok: true, ms: performance.now() - t0, at: Date.now(), answer };
      } catch (err) {
        return { ok: false, ms: performance.now() - t0, code: err instanceof CaRequestError ? err.code : (err as Error).message };
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const clients_ = process.cpuUsage(clientsBefore);
  const checksAfter = await tokenChecks(at.health);
  return {
    outcomes,
    elapsedMs,
    caCpu: cpuSeconds(at.cpPid) - cpuBefore,
    apiCpu: cpuSeconds(at.apiserverPid) - apiBefore,
    clientsCpu: (clients_.user + clients_.system) / 1e6,
    loadBefore: round2(loadBefore),
    loadAfter: round2(loadavg()[0] ?? 0),
    tokenChecks: {
      verified: checksAfter.verified - checksBefore.verified,
      reviewed: checksAfter.reviewed - checksBefore.reviewed,
      shared: checksAfter.shared - checksBefore.shared,
      cached: checksAfter.cached - checksBefore.cached,
    },
  };
}

function percentile(sorted: readonly number[], q: number): number {
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
}

/**
 * The pod storm: a real kube-apiserver and the real control plane; `agents` agents with distinct ServiceAccount tokens
 * all ask for their SVID at once over gRPC/TLS. Every answer is checked as the agent checks it; then the rotation
 * times those SVIDs would get (half-life ± 10 % jitter) are bucketed per second.
 */
export async function runStorm(options: StormOptions, log: (line: string) => void): Promise<StormResult> {
  log('starting kube-apiserver, etcd and nats-server');
  const [cluster, nats] = await Promise.all([startCluster(), startNats()]);
  const clients: CaClient[] = [];
  let cp: Awaited<ReturnType<typeof startControlPlane>> | undefined;
  try {
    const names = await createServiceAccounts(cluster, options.serviceAccounts);
    const perIdentity = Math.ceil(options.agents / options.serviceAccounts);
    cp = await startControlPlane(cluster, nats.url, Math.max(200, perIdentity), options.tokenVerification);
    log(`control plane up, certificate service on port ${cp.caPort}; creating ${options.agents} pods, preparing their pod-bound tokens (TokenRequest) and CSRs`);
    let podSetupMs = 0;
    const agents = await prepareAgents(cluster, names, options.agents, TRUST_DOMAIN, (ms) => {
      podSetupMs = ms;
      log(`${options.agents} pods created in ${Math.round(ms)} ms`);
    });
    for (let i = 0; i < options.connections; i++) clients.push(new CaClient({ address: `127.0.0.1:${cp.caPort}`, rootsPem: cp.rootsPem, serverName: SERVER_NAME, timeoutMs: options.timeoutMs }));

    log(`storm: ${options.agents} agents over ${options.serviceAccounts} ServiceAccounts, ${options.connections} connections`);
    const measure = { cpPid: cp.process.pid, apiserverPid: cluster.apiserverPid, health: cp.health };
    const first = await wave(agents, clients, measure);
    log(`storm done in ${Math.round(first.elapsedMs)} ms; the same agents again (their tokens now cached)`);
    const again = await wave(agents, clients, measure);
    log(`second wave done in ${Math.round(again.elapsedMs)} ms; checking every answer`);
    const { outcomes, elapsedMs, caCpu, apiCpu, clientsCpu, loadBefore, loadAfter } = first;

    const refused: Record<string, number> = {};
    const rotateAt: number[] = [];
    let lifetimeMs = 0;
    for (const [i, outcome] of outcomes.entries()) {
      const agent = agents[i];
      if (!outcome.ok || agent === undefined) {
        if (!outcome.ok) refused[outcome.code] = (refused[outcome.code] ?? 0) + 1;
        continue;
      }
      const spiffeId = formatSpiffeId({ trustDomain: TRUST_DOMAIN, namespace: STORM_NAMESPACE, serviceAccount: agent.serviceAccount });
      const checked = checkAnswer(outcome.answer, { spiffeId, privateKey: KeyObject.from(agent.privateKey) }, new Date());
      const receivedAt = new Date(outcome.at);
      lifetimeMs = checked.notAfter.getTime() - receivedAt.getTime();
      // The agent's schedule: half-life from arrival, ±10 % jitter (apps/agent/src/identity/svid-source.ts).
      rotateAt.push(nextRotation({ notBefore: receivedAt, notAfter: checked.notAfter }, receivedAt).getTime());
    }
    const latencies = outcomes.filter((o) => o.ok).map((o) => o.ms).sort((a, b) => a - b);
    const issued = latencies.length;
    const cpuPerIssuance = issued === 0 ? 0 : caCpu / issued;
    return {
      benchmark: 'pki-storm',
      agents: options.agents,
      serviceAccounts: options.serviceAccounts,
      connections: options.connections,
      tokenVerification: options.tokenVerification,
      issued,
      refused,
      elapsedMs: Math.round(elapsedMs),
      issuancesPerSecond: Math.round((issued / elapsedMs) * 1000),
      latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: percentile(latencies, 1) },
      podSetupSeconds: round2(podSetupMs / 1000),
      tokenChecks: first.tokenChecks,
      caCpuSeconds: round2(caCpu),
      caCpuMsPerIssuance: Math.round(cpuPerIssuance * 1e5) / 100,
      apiserverCpuSeconds: round2(apiCpu),
      clientsCpuSeconds: round2(clientsCpu),
      cachedWave: {
        issued: again.outcomes.filter((o) => o.ok).length,
        elapsedMs: Math.round(again.elapsedMs),
        issuancesPerSecond: Math.round((again.outcomes.filter((o) => o.ok).length / again.elapsedMs) * 1000),
        tokenReviews: again.tokenChecks.reviewed,
        caCpuSeconds: round2(again.caCpu),
        apiserverCpuSeconds: round2(again.apiCpu),
      },
      allWithin10s: issued === options.agents && elapsedMs <= 10_000,
      machine: { cpus: availableParallelism(), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
      rotation: { ...rotationSpread(rotateAt, cpuPerIssuance), lifetimeHours: Math.round((lifetimeMs / 3600_000) * 100) / 100 },
    };
  } finally {
    for (const client of clients) client.close();
    await cp?.process.stop();
    await Promise.allSettled([cluster.stop(), nats.stop()]);
  }
}

/** The short table printed after the JSON. */
export function stormTable(r: StormResult): string {
  const rows: [string, string, string][] = [
    ['SVIDs issued', `${r.issued} / ${r.agents}`, Object.keys(r.refused).length === 0 ? 'none refused' : `refused: ${JSON.stringify(r.refused)}`],
    ['storm duration', `${(r.elapsedMs / 1000).toFixed(2)} s`, `target ≤ 10 s: ${r.allWithin10s ? 'met' : 'MISSED'} (--ca-token-verification ${r.tokenVerification})`],
    ['issuances / s', String(r.issuancesPerSecond), `${r.machine.cpus} cores, load average ${r.machine.loadAverageBefore} → ${r.machine.loadAverageAfter}`],
    ['latency p50 / p99', `${r.latencyMs.p50} / ${r.latencyMs.p99} ms`, `max ${r.latencyMs.max} ms`],
    ['tokens verified locally', String(r.tokenChecks.verified), `issuer JWKS + watched ServiceAccounts and pods (pod-bound tokens; ${r.agents} pods made in ${r.podSetupSeconds} s of setup)`],
    ['TokenReview calls', String(r.tokenChecks.reviewed), `cache hits ${r.tokenChecks.cached}, joined in flight ${r.tokenChecks.shared}`],
    ['CA CPU time', `${r.caCpuSeconds} s`, `${r.caCpuMsPerIssuance} ms per issuance (control plane process)`],
    [
      'API server CPU time',
      `${r.apiserverCpuSeconds} s`,
      r.tokenChecks.reviewed === 0 ? 'no TokenReview sent (watches and serving the storm’s pods only)' : `${Math.round((r.apiserverCpuSeconds / r.tokenChecks.reviewed) * 1e5) / 100} ms per TokenReview`,
    ],
    ['agents’ CPU time', `${r.clientsCpuSeconds} s`, 'this process, playing every agent'],
    ['same agents again', `${(r.cachedWave.elapsedMs / 1000).toFixed(2)} s`, `${r.cachedWave.issued} issued, ${r.cachedWave.issuancesPerSecond} / s, ${r.cachedWave.tokenReviews} TokenReviews (cached), CA CPU ${r.cachedWave.caCpuSeconds} s`],
    ['rotation spread', `${r.rotation.maxPerSecond} / s at most`, `${r.rotation.svids} SVIDs of ${r.rotation.lifetimeHours} h over ${r.rotation.windowSeconds} s, mean ${r.rotation.meanPerSecond} / s`],
    ['CA load at the busiest second', `${(r.rotation.peakCpuFraction * 100).toFixed(2)} % of a core`, `target < 50 %: ${r.rotation.peakCpuFraction < 0.5 ? 'met' : 'MISSED'}`],
  ];
  const width = [Math.max(...rows.map((row) => row[0].length)), Math.max(...rows.map((row) => row[1].length))];
  return rows.map(([a, b, c]) => `${a.padEnd(width[0] ?? 0)}  ${b.padEnd(width[1] ?? 0)}  ${c}`).join('\n');
}
