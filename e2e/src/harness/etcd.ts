import { join } from 'node:path';
import { freePort } from './ports.js';
import { startServerProcess } from './process.js';
import { serverPath } from './servers.js';
import { makeTempDir, removeTempDir } from './tempdir.js';
import { waitFor } from './wait.js';

export interface EtcdServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`, the client URL (HTTP/JSON gateway and gRPC on one port). */
  readonly endpoint: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  /** The temp folder holding its config, data and logs; removed by stop(). */
  readonly tempDir: string;
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  /** Keep the store in this folder (not removed on stop); defaults to a fresh temp folder that is removed. */
  readonly dataDir?: string;
  readonly timeoutMs?: number;
}

/** Starts a single-member etcd on loopback with ephemeral ports and waits until it answers /health. */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdServer> {
  const etcd = serverPath('etcd');
  const dir = makeTempDir('etcd');
  const dataDir = options.dataDir ?? join(dir, 'data');
  const [port, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc = startServerProcess({
    name: 'etcd',
    bin: etcd,
    logFile: join(dir, 'etcd.log'),
    args: [
      `--name=weft-e2e`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=weft-e2e=${peer}`,
      '--initial-cluster-state=new',
      '--log-level=warn',
      '--quota-backend-bytes=1073741824',
      '--unsafe-no-fsync',
    ],
  });
  const stop = async (): Promise<void> => {
    await proc.stop();
    removeTempDir(dir);
  };
  try {
    await waitFor(
      'etcd /health',
      async () => (await fetch(`${endpoint}/health`)).ok,
      { timeoutMs: options.timeoutMs ?? 20_000, check: () => { proc.assertRunning(); } },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, port, dataDir, pid: proc.pid, tempDir: dir, stop, [Symbol.asyncDispose]: stop };
}
