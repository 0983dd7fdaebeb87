import { ConfigError, configHelp, entry, parseConfig, parsers } from '@weft/telemetry';
import { runCheck } from './check/run-check.js';
import { renderManifests, RenderError } from './render.js';
import { runStatus } from './status.js';

export const renderConfig = {
  manifests: entry({ flag: 'manifests', env: 'WEFT_MANIFESTS', default: undefined, description: 'Folder of Kubernetes manifests (Services, EndpointSlices, Pods, routes).', parse: parsers.nonEmpty }),
  workload: entry({ flag: 'workload', env: 'WEFT_WORKLOAD', default: '', description: 'NAMESPACE/POD: print only the APISIX config this workload receives.', parse: parsers.string }),
  format: entry({ flag: 'format', env: 'WEFT_FORMAT', default: 'json', description: 'json, or yaml (for one workload: the apisix.yaml the standalone store writes).', parse: parsers.oneOf('json', 'yaml') }),
  clusterDomain: entry({ flag: 'cluster-domain', env: 'WEFT_CLUSTER_DOMAIN', default: 'cluster.local', description: 'DNS domain of the cluster.', parse: parsers.nonEmpty }),
};

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const USAGE = `weftctl — inspect and debug a Weft mesh

Commands:
  render   Print the APISIX config a folder of manifests translates into (the control plane's own translate).
  status   Every agent: its scope, applied version, in sync or stale, last error (like istioctl proxy-status).
  check    Checks an install: CRDs, injection webhook, CA, leader Lease, NATS (like istioctl verify-install).

Run 'weftctl <command> --help' for its flags.
`;

/** Runs one weftctl command; returns the exit code (0 ok, 1 failed, 2 bad usage). */
export async function runWeftctl(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'render') return runRender(rest, io);
  if (command === 'status') return runStatus(rest, io);
  if (command === 'check') return runCheck(rest, io);
  io.err(`weftctl: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

async function runRender(args: readonly string[], io: Io): Promise<number> {
  if (args.includes('--help')) {
    io.out(`weftctl render --manifests DIR [--workload NAMESPACE/POD] [--format json|yaml]\n\n${configHelp(renderConfig)}\n`);
    return 0;
  }
  let config;
  try {
    config = parseConfig(renderConfig, args, io.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`weftctl render: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  try {
    const result = await renderManifests({
      manifests: config.manifests,
      format: config.format,
      clusterDomain: config.clusterDomain,
      ...(config.workload === '' ? {} : { workload: config.workload }),
    });
    io.out(result.output);
    for (const w of result.warnings) io.err(`warning: ${w}\n`);
    return 0;
  } catch (err) {
    if (err instanceof RenderError) {
      io.err(`weftctl render: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
