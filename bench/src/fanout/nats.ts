/** The e2e harness's nats-server, sized for the benchmark's scopes. */
import { startNats } from '@weft/e2e';
import type { NatsServer } from '@weft/e2e';

export type BenchNats = NatsServer;

export function startBenchNats(): Promise<BenchNats> {
  // 8 MiB messages: a 10,000-Service scope still goes in a few chunks (the bus chunks above max_payload anyway).
  return startNats({ maxPayload: 8 * 2 ** 20 });
}
