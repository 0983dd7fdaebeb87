import { pino } from 'pino';
import type { Logger, LevelWithSilent } from 'pino';

export interface LoggerOptions {
  /** The process or lib the lines come from; every line carries it as `component`. */
  readonly component: string;
  readonly level?: LevelWithSilent;
  /** Where lines go; defaults to stdout. Tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
}

/** A pino JSON logger whose lines carry `component`. Libraries take a logger and derive children from it. */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const base = { component: options.component };
  return options.destination === undefined
    ? pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime })
    : pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, options.destination);
}

export type { Logger };
