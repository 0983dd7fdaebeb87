/**
 * Configuration declared once per app: each entry has its flag, its environment variable, a default and a
 * description. `parseConfig` reads flags first, then the environment, then the default, validates every entry and
 * reports every problem at once in one clear message; the result is frozen and passed down.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface ConfigEntry<T> {
  /** `--flag-name` on the command line. */
  readonly flag: string;
  /** Environment variable, e.g. `WEFT_NATS_URL`. */
  readonly env: string;
  readonly description: string;
  /** The default as text (shown in help); undefined means required. */
  readonly default: string | undefined;
  /** Turns the text into a value, or throws an Error whose message says what is wrong. */
  readonly parse: (text: string) => T;
}

export type ConfigSpec = Readonly<Record<string, ConfigEntry<unknown>>>;
export type ConfigOf<S extends ConfigSpec> = { readonly [K in keyof S]: S[K] extends ConfigEntry<infer T> ? T : never };

export function entry<T>(e: ConfigEntry<T>): ConfigEntry<T> {
  return e;
}

// Parsers for the common shapes.
export const parsers = {
  string: (text: string): string => text,
  nonEmpty: (text: string): string => {
    if (text.trim() === '') throw new Error('must not be empty');
    return text;
  },
  port: (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`"${text}" is not a port (0-65535)`);
    return n;
  },
  positiveInt: (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`"${text}" is not a positive integer`);
    return n;
  },
  /** A duration like `250ms`, `30s`, `5m`, `24h`; returns milliseconds. */
  duration: (text: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
    if (!m) throw new Error(`"${text}" is not a duration (e.g. 250ms, 30s, 5m, 24h)`);
    const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    return Math.round(Number(m[1]) * factor);
  },
  boolean: (text: string): boolean => {
    if (['true', '1', 'yes'].includes(text)) return true;
    if (['false', '0', 'no', ''].includes(text)) return false;
    throw new Error(`"${text}" is not a boolean (true/false)`);
  },
  oneOf:
    <T extends string>(...values: readonly T[]) =>
    (text: string): T => {
      if (!(values as readonly string[]).includes(text)) throw new Error(`"${text}" is not one of ${values.join(', ')}`);
      return text as T;
    },
  logLevel: (text: string): 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' =>
    parsers.oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent')(text),
  /** An identifier usable as a NATS subject token and a DNS label: lowercase letters, digits and dashes. */
  token: (text: string): string => {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(text)) {
      throw new Error(`"${text}" must be lowercase letters, digits and dashes (at most 63), like a DNS label`);
    }
    return text;
  },
};

/** Splits argv into `--flag value` / `--flag=value` pairs and positional arguments. */
function readFlags(argv: readonly string[], spec: ConfigSpec, problems: string[]): Map<string, string> {
  const known = new Map(Object.values(spec).map((e) => [e.flag, e]));
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const e = known.get(flag);
    if (e === undefined) {
      problems.push(`unknown flag --${flag} (see --help)`);
      continue;
    }
    if (eq > 0) {
      values.set(flag, arg.slice(eq + 1));
    } else if (e.parse === parsers.boolean && (argv[i + 1] === undefined || argv[i + 1]?.startsWith('--') === true)) {
      values.set(flag, 'true');
    } else if (argv[i + 1] === undefined) {
      problems.push(`--${flag} needs a value`);
    } else {
      values.set(flag, argv[++i] ?? '');
    }
  }
  return values;
}

export function parseConfig<S extends ConfigSpec>(
  spec: S,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigOf<S> {
  const problems: string[] = [];
  const flags = readFlags(argv, spec, problems);
  const out: Record<string, unknown> = {};
  for (const [key, e] of Object.entries(spec)) {
    const fromFlag = flags.get(e.flag);
    const fromEnv = env[e.env];
    const text = fromFlag ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv) ?? e.default;
    const where = fromFlag !== undefined ? `--${e.flag}` : fromEnv !== undefined && fromEnv !== '' ? e.env : 'default';
    if (text === undefined) {
      problems.push(`--${e.flag} (or ${e.env}) is required: ${e.description}`);
      continue;
    }
    try {
      out[key] = e.parse(text);
    } catch (err) {
      problems.push(`${where === 'default' ? `default of --${e.flag}` : where}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as ConfigOf<S>;
}

/** The help text: every flag, its variable, its default and what it is for. */
export function configHelp(spec: ConfigSpec): string {
  return Object.values(spec)
    .map((e) => `  --${e.flag} <value>   [${e.env}${e.default === undefined ? ', required' : `, default "${e.default}"`}]\n      ${e.description}`)
    .join('\n');
}
