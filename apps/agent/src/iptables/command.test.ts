import { describe, expect, it } from 'vitest';
import { IPTABLES_EXIT, runIptablesCommand } from './command.js';
import { resolveInterceptionOptions } from './options.js';
import { buildRestoreDocuments } from './rules.js';

async function run(argv: readonly string[], path?: string) {
  let stdout = '';
  let stderr = '';
  const code = await runIptablesCommand(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    ...(path === undefined ? {} : { path }),
  });
  return { code, stdout, stderr };
}

describe('weft-agent iptables', () => {
  it('weft-agent iptables - --dry-run prints the documents of the parsed flags and touches nothing', async () => {
    const result = await run([
      '--dry-run',
      '--ipv6',
      '--inbound-port=9006',
      '--outbound-port',
      '9001',
      '--proxy-uid',
      '101',
      '--include-inbound-ports',
      '80,443',
      '--exclude-outbound-cidrs=10.96.0.0/12,fd00::/8',
      '--iptables-restore',
      '/nonexistent/iptables-restore',
    ]);
    const expected = buildRestoreDocuments(
      resolveInterceptionOptions({
        ipv6: true,
        inboundPort: 9006,
        outboundPort: 9001,
        proxyUid: 101,
        includeInboundPorts: [80, 443],
        excludeOutboundCidrs: ['10.96.0.0/12', 'fd00::/8'],
      }),
    );
    expect(result).toEqual({ code: IPTABLES_EXIT.ok, stdout: expected.ipv4 + (expected.ipv6 ?? ''), stderr: '' });
  });

  it('weft-agent iptables - an empty value turns inbound interception off', async () => {
    const result = await run(['--dry-run', '--include-inbound-ports=']);
    expect(result.code).toBe(IPTABLES_EXIT.ok);
    expect(result.stdout).not.toContain('PREROUTING');
    expect(result.stdout).toContain('-A OUTPUT -p tcp -j WEFT_OUTPUT');
  });

  it('weft-agent iptables - bad values and unknown flags exit 2 naming the flag', async () => {
    expect(await run(['--dry-run', '--inbound-port', '70000'])).toEqual({
      code: IPTABLES_EXIT.usage,
      stdout: '',
      stderr: "weft-agent iptables: --inbound-port: '70000' is not a TCP port (an integer 1-65535)\n",
    });
    expect((await run(['--inbound-ports', '1'])).stderr).toContain('--inbound-ports: unknown flag');
    expect((await run(['--proxy-uid'])).stderr).toContain('--proxy-uid: needs a value');
    expect((await run(['--ipv6=yes'])).stderr).toContain("--ipv6: 'yes' is not true or false");
    expect((await run(['iptables'])).code).toBe(IPTABLES_EXIT.usage);
  });

  it('weft-agent iptables - a missing iptables-restore fails loudly with exit 3, the binary and the fix', async () => {
    const result = await run(['--iptables-restore', '/nonexistent/iptables-restore']);
    expect(result.code).toBe(IPTABLES_EXIT.missingBinary);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("'iptables-restore' was not found");
    expect(result.stderr).toContain('apt-get install -y iptables');
    expect(result.stderr).toContain('the pod must not start');
  });

  it('weft-agent iptables - IPv6 needs ip6tables-save too, also for --cleanup', async () => {
    const result = await run(['--cleanup', '--ipv6', '--ip6tables-save', '/nonexistent/ip6tables-save']);
    expect(result.code).toBe(IPTABLES_EXIT.missingBinary);
    expect(result.stderr).toContain("'ip6tables-save' was not found");
    expect(result.stderr).toContain('--ip6tables-save PATH');
  });

  it('weft-agent iptables - --help lists every flag and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(IPTABLES_EXIT.ok);
    for (const flag of ['--inbound-port', '--exclude-outbound-cidrs', '--cleanup', '--dry-run', '--iptables-restore']) {
      expect(result.stdout).toContain(flag);
    }
  });
});
