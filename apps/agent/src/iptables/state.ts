import { WEFT_CHAINS } from './rules.js';

/** What an earlier run left in the nat table, read from `iptables-save -t nat`. */
export interface NatState {
  /** Weft chains that exist. */
  readonly chains: readonly string[];
  /** Rules outside Weft's chains that jump into one, as saved (`-A PREROUTING -p tcp -j WEFT_INBOUND`). */
  readonly jumps: readonly string[];
}

const weftChains: ReadonlySet<string> = new Set(WEFT_CHAINS);

/** Reads the nat table of an iptables-save dump; other tables and foreign chains are ignored. */
export function parseNatState(saved: string): NatState {
  const chains: string[] = [];
  const jumps: string[] = [];
  let inNat = false;
  for (const raw of saved.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) inNat = line === '*nat';
    else if (!inNat || line === '' || line.startsWith('#')) continue;
    else if (line === 'COMMIT') inNat = false;
    else if (line.startsWith(':')) {
      const name = line.slice(1).split(/\s+/)[0] ?? '';
      if (weftChains.has(name)) chains.push(name);
    } else if (line.startsWith('-A ')) {
      const tokens = line.split(/\s+/);
      const chain = tokens[1] ?? '';
      const target = tokens.findIndex((token, i) => (token === '-j' || token === '-g') && weftChains.has(tokens[i + 1] ?? ''));
      if (!weftChains.has(chain) && target >= 0) jumps.push(line);
    }
  }
  return { chains, jumps };
}

/** `-D` lines removing the jumps into Weft's chains, so a new run neither duplicates them nor leaves one behind. */
export function jumpRemovals(state: NatState): readonly string[] {
  return state.jumps.map((jump) => `-D ${jump.slice('-A '.length)}`);
}

/**
 * The document that removes Weft's chains and the jumps into them, or undefined when there is nothing to remove
 * (so a second cleanup is a no-op). Declaring a chain under --noflush empties it; -X then deletes it.
 */
export function renderCleanupDocument(state: NatState, family: 'ipv4' | 'ipv6'): string | undefined {
  if (state.chains.length === 0 && state.jumps.length === 0) return undefined;
  const header = `# Weft traffic interception cleanup (${family === 'ipv4' ? 'iptables' : 'ip6tables'}-restore --noflush)`;
  return [
    header,
    '*nat',
    ...state.chains.map((chain) => `:${chain} - [0:0]`),
    ...jumpRemovals(state),
    ...state.chains.map((chain) => `-X ${chain}`),
    'COMMIT',
    '',
  ].join('\n');
}
