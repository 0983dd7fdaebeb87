import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { BusContext } from './context.js';

/** One of the cluster's streams as a health check sees it. */
export type StreamProbe =
  | { readonly name: string; readonly state: 'present'; readonly messages: number; readonly lastSequence: number }
  | { readonly name: string; readonly state: 'missing' };

/** What `Bus.probe` found: the server answering, its round trip, and the cluster's streams. */
export interface BusProbe {
  /** `host:port` of the server this connection is on. */
  readonly server: string;
  readonly serverVersion: string;
  readonly rttMs: number;
  /** Whether the connection is TLS (the server's certificate was verified by the client). */
  readonly tls: boolean;
  readonly streams: { readonly snap: StreamProbe; readonly status: StreamProbe; readonly assign: StreamProbe };
}

/**
 * Checks the connection end to end for `weftctl check`: a round trip to the server, then JetStream's answer about
 * each of the cluster's streams (missing until the control plane's first start). Throws when JetStream does not
 * answer (not enabled, or no permission).
 */
export async function probeBus(ctx: BusContext): Promise<BusProbe> {
  const rttMs = await ctx.nc.rtt();
  const jsm = await ctx.jsm();
  const stream = async (name: string): Promise<StreamProbe> => {
    try {
      const info = await jsm.streams.info(name);
      return { name, state: 'present', messages: info.state.messages, lastSequence: info.state.last_seq };
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return { name, state: 'missing' };
      throw err;
    }
  };
  const info = ctx.nc.info;
  return {
    server: ctx.nc.getServer(),
    serverVersion: info?.version ?? 'unknown',
    rttMs,
    tls: info?.tls_required === true || info?.tls_available === true,
    streams: { snap: await stream(ctx.names.snapStream), status: await stream(ctx.names.statusStream), assign: await stream(ctx.names.assignStream) },
  };
}
