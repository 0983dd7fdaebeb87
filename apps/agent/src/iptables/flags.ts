import { IptablesOptionError } from './errors.js';
import type { InterceptionSettings } from './options.js';

interface FlagSpec {
  readonly name: string;
  readonly value: boolean;
  readonly description: string;
}

/** Every flag of `weft-agent iptables`, in the order `--help` lists them. */
export const IPTABLES_FLAGS: readonly FlagSpec[] = [
  { name: 'inbound-port', value: true, description: 'Port inbound TCP is redirected to (default 15006).' },
  { name: 'outbound-port', value: true, description: 'Port the app’s outbound TCP is redirected to (default 15001).' },
  { name: 'proxy-uid', value: true, description: 'User id of the proxy; its traffic is never redirected (default 1337).' },
  { name: 'proxy-gid', value: true, description: 'Group id of the proxy (default: the proxy uid).' },
  { name: 'include-inbound-ports', value: true, description: 'Inbound ports to redirect, comma-separated; * for all (default), empty for none.' },
  { name: 'exclude-inbound-ports', value: true, description: 'Inbound ports never redirected, added to the agent ports and SSH.' },
  { name: 'agent-ports', value: true, description: 'The agent’s health and metrics ports, always excluded inbound (default 15020,15021).' },
  { name: 'redirect-ssh', value: false, description: 'Redirect SSH (22) too instead of excluding it.' },
  { name: 'exclude-outbound-ports', value: true, description: 'Outbound destination ports never redirected, comma-separated.' },
  { name: 'include-outbound-cidrs', value: true, description: 'Outbound destinations to redirect; * for all (default), empty for none.' },
  { name: 'exclude-outbound-cidrs', value: true, description: 'Outbound destinations never redirected, comma-separated CIDRs.' },
  { name: 'ipv6', value: false, description: 'Also write IPv6 rules with ip6tables-restore.' },
  { name: 'dry-run', value: false, description: 'Print the iptables-restore document(s) and change nothing.' },
  { name: 'cleanup', value: false, description: 'Remove Weft’s chains and the jumps into them (again: a no-op).' },
  { name: 'iptables-restore', value: true, description: 'iptables-restore binary (name on PATH or path).' },
  { name: 'iptables-save', value: true, description: 'iptables-save binary (name on PATH or path).' },
  { name: 'ip6tables-restore', value: true, description: 'ip6tables-restore binary (name on PATH or path).' },
  { name: 'ip6tables-save', value: true, description: 'ip6tables-save binary (name on PATH or path).' },
  { name: 'help', value: false, description: 'Print this help.' },
];

export interface IptablesBinaryNames {
  readonly iptablesRestore: string;
  readonly iptablesSave: string;
  readonly ip6tablesRestore: string;
  readonly ip6tablesSave: string;
}

export interface IptablesArgs {
  readonly settings: InterceptionSettings;
  readonly dryRun: boolean;
  readonly cleanup: boolean;
  readonly help: boolean;
  readonly binaries: IptablesBinaryNames;
}

const specs = new Map(IPTABLES_FLAGS.map((spec) => [spec.name, spec]));

/** Parses `--name value`, `--name=value` and boolean `--name` (or `--name=true|false`); unknown flags are errors. */
export function parseIptablesArgs(argv: readonly string[]): IptablesArgs {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new IptablesOptionError(arg, `unexpected argument '${arg}'; flags start with --`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs.get(name);
    if (spec === undefined) throw new IptablesOptionError(name, 'unknown flag; see --help');
    if (spec.value) {
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else value = argv[++i];
      if (value === undefined) throw new IptablesOptionError(name, 'needs a value');
      values.set(name, value);
    } else {
      const value = eq < 0 ? 'true' : arg.slice(eq + 1);
      if (value !== 'true' && value !== 'false') throw new IptablesOptionError(name, `'${value}' is not true or false`);
      if (value === 'true') switches.add(name);
      else switches.delete(name);
    }
  }
  const settings: InterceptionSettings = {
    inboundPort: values.get('inbound-port'),
    outboundPort: values.get('outbound-port'),
    proxyUid: values.get('proxy-uid'),
    proxyGid: values.get('proxy-gid'),
    includeInboundPorts: values.get('include-inbound-ports'),
    excludeInboundPorts: values.get('exclude-inbound-ports'),
    agentPorts: values.get('agent-ports'),
    redirectSsh: switches.has('redirect-ssh'),
    excludeOutboundPorts: values.get('exclude-outbound-ports'),
    includeOutboundCidrs: values.get('include-outbound-cidrs'),
    excludeOutboundCidrs: values.get('exclude-outbound-cidrs'),
    ipv6: switches.has('ipv6'),
  };
  return {
    settings,
    dryRun: switches.has('dry-run'),
    cleanup: switches.has('cleanup'),
    help: switches.has('help'),
    binaries: {
      iptablesRestore: values.get('iptables-restore') ?? 'iptables-restore',
      iptablesSave: values.get('iptables-save') ?? 'iptables-save',
      ip6tablesRestore: values.get('ip6tables-restore') ?? 'ip6tables-restore',
      ip6tablesSave: values.get('ip6tables-save') ?? 'ip6tables-save',
    },
  };
}

export function iptablesUsage(): string {
  const width = Math.max(...IPTABLES_FLAGS.map((spec) => spec.name.length + (spec.value ? 6 : 0)));
  const lines = IPTABLES_FLAGS.map((spec) => {
    const flag = `--${spec.name}${spec.value ? ' VALUE' : ''}`;
    return `  ${flag.padEnd(width + 3)}${spec.description}`;
  });
  return ['Usage: weft-agent iptables [flags]', '', 'Sets up the pod’s traffic interception in the nat table (like istio-init).', '', ...lines, ''].join('\n');
}
