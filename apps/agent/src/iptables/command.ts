import { findBinary } from './binaries.js';
import type { FamilyBinaries } from './binaries.js';
import { applyInterception, cleanupInterception } from './apply.js';
import type { IptablesTools } from './apply.js';
import { IptablesApplyError, IptablesBinaryMissingError, IptablesOptionError } from './errors.js';
import { iptablesUsage, parseIptablesArgs } from './flags.js';
import type { IptablesBinaryNames } from './flags.js';
import { resolveInterceptionOptions } from './options.js';
import type { InterceptionOptions } from './options.js';
import { buildRestoreDocuments } from './rules.js';

/** Exit codes of `weft-agent iptables`. Any non-zero code fails the init container, so the pod does not start. */
export const IPTABLES_EXIT = { ok: 0, failed: 1, usage: 2, missingBinary: 3 } as const;

/** Where the command writes; tests capture it. `path` is the PATH binaries are looked up on. */
export interface IptablesCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly path?: string;
}

const processIo: IptablesCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const PREFIX = 'weft-agent iptables';

/**
 * `weft-agent iptables [flags]`: writes (or with --cleanup removes) the pod's interception rules and resolves the
 * exit code. Never throws: every failure is a message on stderr and a non-zero code.
 */
export async function runIptablesCommand(argv: readonly string[], io: IptablesCommandIo = processIo): Promise<number> {
  try {
    const args = parseIptablesArgs(argv);
    if (args.help) {
      io.stdout(iptablesUsage());
      return IPTABLES_EXIT.ok;
    }
    const options = resolveInterceptionOptions(args.settings);
    if (args.dryRun && !args.cleanup) {
      const documents = buildRestoreDocuments(options);
      io.stdout(documents.ipv4 + (documents.ipv6 ?? ''));
      return IPTABLES_EXIT.ok;
    }
    const tools = await findTools(args.binaries, options.ipv6, io.path);
    if (args.cleanup) {
      for (const outcome of await cleanupInterception(tools, { dryRun: args.dryRun })) {
        const what = `${outcome.chainsBefore} chain(s), ${outcome.replacedJumps} jump(s)`;
        if (args.dryRun) io.stdout(outcome.document || `# ${outcome.family}: nothing of Weft's in the nat table\n`);
        else io.stdout(`${PREFIX}: ${outcome.family}: ${outcome.document === '' ? 'nothing to remove' : `removed ${what}`}\n`);
      }
      return IPTABLES_EXIT.ok;
    }
    for (const outcome of await applyInterception(options, tools)) {
      io.stdout(outcome.document);
      io.stdout(`${PREFIX}: ${outcome.family}: applied (${summary(options)}; replaced ${outcome.replacedJumps} earlier jump(s))\n`);
    }
    return IPTABLES_EXIT.ok;
  } catch (err) {
    return report(err, io);
  }
}

async function findTools(names: IptablesBinaryNames, ipv6: boolean, path: string | undefined): Promise<IptablesTools> {
  const family = async (restore: [string, string], save: [string, string]): Promise<FamilyBinaries> => ({
    restore: await findBinary(restore[0], restore[1], path),
    save: await findBinary(save[0], save[1], path),
  });
  const ipv4 = await family(['iptables-restore', names.iptablesRestore], ['iptables-save', names.iptablesSave]);
  if (!ipv6) return { ipv4 };
  return { ipv4, ipv6: await family(['ip6tables-restore', names.ip6tablesRestore], ['ip6tables-save', names.ip6tablesSave]) };
}

function summary(options: InterceptionOptions): string {
  return `inbound → :${options.inboundPort}, outbound → :${options.outboundPort}, proxy uid ${options.proxyUid} gid ${options.proxyGid}`;
}

function report(err: unknown, io: IptablesCommandIo): number {
  if (err instanceof IptablesOptionError) {
    io.stderr(`${PREFIX}: ${err.message}\n`);
    return IPTABLES_EXIT.usage;
  }
  if (err instanceof IptablesBinaryMissingError) {
    io.stderr(`${PREFIX}: ${err.message}\n`);
    return IPTABLES_EXIT.missingBinary;
  }
  if (err instanceof IptablesApplyError) {
    io.stderr(`${PREFIX}: ${err.message}\nNo interception is guaranteed: the pod must not start.\n`);
    return IPTABLES_EXIT.failed;
  }
  io.stderr(`${PREFIX}: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return IPTABLES_EXIT.failed;
}
