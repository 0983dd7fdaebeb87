// Two benchmarks of issue 5.
// Default: local micro benchmark of leaf issuance in @weft/pki: P-256 key generation, CSR creation, CA-side CSR
// verification + signing, one after another on one core.
// --storm: the pod storm against the real certificate service (the control plane's process) with TokenReview on the
// real kube-apiserver, and the rotation spread of the SVIDs it issued (see storm.ts).
//
//   npx tsx --conditions=development bench/src/pki/main.ts [--count 1000] [--warmup 50]
//   npx tsx --conditions=development bench/src/pki/main.ts --storm [--agents 5000] [--service-accounts 100]
//     [--connections 100] [--timeout-s 60] [--token-verification local|tokenreview]
import { createCsr, createSelfSignedRoot, generateKeyPair } from '@weft/pki';
import type { CertificateAuthority } from '@weft/pki';
import { runStorm, stormTable } from './storm.js';

interface PhaseStats {
  readonly phase: string;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function stringOption(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

function stats(phase: string, samples: number[]): PhaseStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return { phase, meanMs: round(mean), p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(at(1)) };
}

async function issueOne(ca: CertificateAuthority, index: number, samples: Record<string, number[]>): Promise<void> {
  const spiffeId = { trustDomain: 'bench.local', namespace: 'bench', serviceAccount: `sa-${index}` };
  const t0 = performance.now();
  const keys = await generateKeyPair();
  const t1 = performance.now();
  const csrPem = await createCsr({ keys, spiffeId });
  const t2 = performance.now();
  await ca.issueSvid({ csrPem, spiffeId, dnsNames: [`sa-${index}.bench.svc`] });
  const t3 = performance.now();
  samples.keygen?.push(t1 - t0);
  samples.csr?.push(t2 - t1);
  samples.sign?.push(t3 - t2);
  samples.total?.push(t3 - t0);
}

async function main(): Promise<void> {
  const count = option('count', 1000);
  const warmup = option('warmup', 50);
  const ca = await createSelfSignedRoot({ trustDomain: 'bench.local' });
  const discard: Record<string, number[]> = { keygen: [], csr: [], sign: [], total: [] };
  for (let i = 0; i < warmup; i++) await issueOne(ca, i, discard);

  const samples: Record<string, number[]> = { keygen: [], csr: [], sign: [], total: [] };
  const started = performance.now();
  for (let i = 0; i < count; i++) await issueOne(ca, i, samples);
  const elapsedMs = performance.now() - started;

  const phases = Object.entries(samples).map(([phase, values]) => stats(phase, values));
  const result = {
    benchmark: 'pki-leaf-issuance',
    node: process.version,
    count,
    elapsedMs: Math.round(elapsedMs),
    issuancesPerSecond: Math.round((count / elapsedMs) * 1000),
    phases,
  };
  console.log(JSON.stringify(result));
  console.table(phases);
}

async function storm(): Promise<void> {
  const agents = option('agents', 5000);
  const options = {
    agents,
    serviceAccounts: Math.min(agents, option('service-accounts', 100)),
    connections: Math.min(agents, option('connections', 100)),
    timeoutMs: option('timeout-s', 60) * 1000,
    tokenVerification: stringOption('token-verification') === 'tokenreview' ? ('tokenreview' as const) : ('local' as const),
  };
  const result = await runStorm(options, (line) => {
    console.error(`[pki storm ${new Date().toISOString().slice(11, 19)}] ${line}`);
  });
  console.log(JSON.stringify(result, null, 2));
  console.log(`\n${stormTable(result)}\n`);
}

await (process.argv.includes('--storm') ? storm() : main());
