import { APP_HEALTH_PREFIX, APP_PROBERS_ENV } from '@weft/model';
import type { AppProbe, AppProbers } from '@weft/model';
import { entry } from '@weft/telemetry';

type Json = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPort = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;

/** Parses WEFT_APP_PROBERS (JSON written by the injector); throws naming the first entry that is not a probe. */
export function parseAppProbers(text: string): AppProbers {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('is not JSON of {"/app-health/<container>/<probe>": {"httpGet"|"tcpSocket"|"grpc": {...}}}');
  }
  if (!isObject(value)) throw new Error('must be a JSON object keyed by /app-health/<container>/<probe>');
  for (const [path, probe] of Object.entries(value)) {
    if (!path.startsWith(APP_HEALTH_PREFIX)) throw new Error(`"${path}" does not start with ${APP_HEALTH_PREFIX}`);
    const handler = isObject(probe) ? (probe['httpGet'] ?? probe['tcpSocket'] ?? probe['grpc']) : undefined;
    if (!isObject(handler) || !isPort(handler['port'])) throw new Error(`"${path}" is not an httpGet, tcpSocket or grpc probe with a numeric port`);
  }
  return value as Readonly<Record<string, AppProbe>>;
}

/** The app's probes the agent runs for the kubelet, spread into the agent's config. */
export const appProbesConfig = {
  appProbers: entry({
    flag: 'app-probers',
    env: APP_PROBERS_ENV,
    default: '',
    description: 'The app containers’ original kubelet probes, JSON keyed by /app-health/<container>/<probe> (written by the injector); served on the health port.',
    parse: parseAppProbers,
  }),
};
