// Local micro benchmark of leaf issuance in @weft/pki: P-256 key generation, CSR creation, CA-side CSR
// verification + signing, one after another on one core. Not the pod-storm benchmark of issue 5 (that one goes
// through the certificate service and TokenReview).
//
//   npx tsx --conditions=development bench/src/pki/main.ts [--count 1000] [--warmup 50]
import { createCsr, createSelfSignedRoot, generateKeyPair } from '@weft/pki';
import type { CertificateAuthority } from '@weft/pki';

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

await main();
