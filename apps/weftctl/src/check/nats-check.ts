import { connectBus, ConnectError } from '@weft/bus';
import type { BusTlsOptions } from '@weft/bus';
import { fail, ok, reason, warn } from './check-result.js';
import type { CheckResult } from './check-result.js';

export interface NatsCheckOptions {
  readonly servers: readonly string[];
  readonly cluster: string;
  readonly tls?: BusTlsOptions;
  readonly timeoutMs: number;
}

/** NATS answers through libs/bus with the given URL and TLS, JetStream answers, and the cluster's streams exist. */
export async function checkNats(options: NatsCheckOptions): Promise<CheckResult> {
  const check = `nats ${options.servers.join(',')}`;
  let bus;
  try {
    bus = await connectBus({ servers: options.servers, cluster: options.cluster, name: 'weftctl-check', timeoutMs: options.timeoutMs, ...(options.tls === undefined ? {} : { tls: options.tls }) });
  } catch (err) {
    const message = err instanceof ConnectError ? err.message : reason(err);
    return fail(check, `cannot connect: ${message}`, 'is NATS running (kubectl -n <namespace> get pods), and --nats-url reachable from here (e.g. kubectl port-forward svc/weft-nats 4222)? With TLS pass --nats-ca');
  }
  try {
    const probe = await bus.probe();
    const { snap, status, assign } = probe.streams;
    const missing = [snap, status, assign].filter((s) => s.state === 'missing').map((s) => s.name);
    const found = `${probe.server} (nats-server ${probe.serverVersion}${probe.tls ? ', TLS' : ''}) answered in ${probe.rttMs.toFixed(1)} ms`;
    if (missing.length > 0) {
      return warn(check, `${found}, but streams ${missing.join(', ')} of cluster "${options.cluster}" are missing`, 'the control plane creates them when it connects: check that it runs and that --cluster-id matches its WEFT_CLUSTER_ID');
    }
    const version = snap.state === 'present' ? `, latest version ${snap.lastSequence}` : '';
    return ok(check, `${found}; JetStream streams of cluster "${options.cluster}" present${version}`);
  } catch (err) {
    return fail(check, `connected, but JetStream did not answer: ${reason(err)}`, 'run nats-server with JetStream enabled (the bundled one has it), and let this user use the JetStream API');
  } finally {
    await bus.close();
  }
}
