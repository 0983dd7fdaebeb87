/** How one check of `weftctl check` ended: OK, a WARN that does not fail the install, or a FAIL. */
export type CheckStatus = 'OK' | 'WARN' | 'FAIL';

export interface CheckResult {
  /** What was checked, e.g. `crd httproutes.gateway.networking.k8s.io`. */
  readonly name: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly message: string;
  /** What to do about a WARN or FAIL. */
  readonly fix?: string;
}

export const ok = (name: string, message: string): CheckResult => ({ name, status: 'OK', message });
export const warn = (name: string, message: string, fix: string): CheckResult => ({ name, status: 'WARN', message, fix });
export const fail = (name: string, message: string, fix: string): CheckResult => ({ name, status: 'FAIL', message, fix });

/** The message of anything thrown, on one line. */
export function reason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}

/** Text output: one line per check (status, name, message), and an indented fix under each WARN or FAIL. */
export function formatResults(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.status.padEnd(4)}  ${r.name.padEnd(width)}  ${r.message}`);
    if (r.fix !== undefined) lines.push(`${' '.repeat(6 + width + 2)}fix: ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === 'FAIL').length;
  const warned = results.filter((r) => r.status === 'WARN').length;
  lines.push('', failed === 0 ? `the install looks healthy (${results.length} checks, ${warned} warnings)` : `${failed} of ${results.length} checks failed`);
  return `${lines.join('\n')}\n`;
}
