/** Command-line options of bench:fanout. */
import { parseArgs } from 'node:util';

export interface FanoutOptions {
  readonly agents: number;
  readonly processes: number;
  /** Mesh size for the single-agent measures (RSS, full resync, bytes of a single-endpoint change). */
  readonly services: number;
  /** Mesh size for the fan-out to all agents. */
  readonly fanoutServices: number;
  readonly routeChanges: number;
  /** Route edits made first and reported apart: the agents' and the pipeline's code is still being optimised by V8. */
  readonly warmupChanges: number;
  readonly timeoutMs: number;
  /** Folder for CPU profiles of the agent processes over the measured route edits (none when undefined). */
  readonly profileDir: string | undefined;
  /** `fanout`: only the fan-out measures (no agent build, no 10,000-Service single agent); undefined: both. */
  readonly only: 'fanout' | undefined;
}

export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new OptionsError(`--${name} must be a positive integer (got ${value})`);
  return n;
}

// Above this, 1,000 agents each holding their scope no longer fit this machine's memory and CPU (see the report).
const DEFAULT_FANOUT_SERVICES_CAP = 500;

export function parseOptions(argv: readonly string[]): FanoutOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      agents: { type: 'string' },
      processes: { type: 'string' },
      services: { type: 'string' },
      'fanout-services': { type: 'string' },
      'route-changes': { type: 'string' },
      'warmup-changes': { type: 'string' },
      'timeout-s': { type: 'string' },
      'profile-dir': { type: 'string' },
      only: { type: 'string' },
    },
    strict: true,
  });
  const services = positive('services', values.services, 10_000);
  if (values.only !== undefined && values.only !== 'fanout') throw new OptionsError(`--only takes fanout (got ${values.only})`);
  return {
    agents: positive('agents', values.agents, 1000),
    processes: positive('processes', values.processes, 4),
    services,
    fanoutServices: positive('fanout-services', values['fanout-services'], Math.min(services, DEFAULT_FANOUT_SERVICES_CAP)),
    routeChanges: positive('route-changes', values['route-changes'], 3),
    warmupChanges: values['warmup-changes'] === '0' ? 0 : positive('warmup-changes', values['warmup-changes'], 3),
    timeoutMs: positive('timeout-s', values['timeout-s'], 600) * 1000,
    profileDir: values['profile-dir'],
    only: values.only,
  };
}
