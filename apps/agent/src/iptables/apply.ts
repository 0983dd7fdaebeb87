import { runTool } from './binaries.js';
import type { FamilyBinaries } from './binaries.js';
import type { IpFamily } from './cidr.js';
import type { InterceptionOptions } from './options.js';
import { buildRules, renderRestoreDocument } from './rules.js';
import { jumpRemovals, parseNatState, renderCleanupDocument } from './state.js';

/** Resolved binaries per family; ipv6 only when IPv6 rules are wanted. */
export interface IptablesTools {
  readonly ipv4: FamilyBinaries;
  readonly ipv6?: FamilyBinaries;
}

/** What one family's run did; `document` is exactly what iptables-restore read (empty when nothing ran). */
export interface FamilyOutcome {
  readonly family: IpFamily;
  readonly document: string;
  /** Jumps left by an earlier run that the document replaced. */
  readonly replacedJumps: number;
  /** Weft chains found before the run. */
  readonly chainsBefore: number;
}

const RESTORE_ARGS = ['--noflush', '--wait'];

function familiesOf(tools: IptablesTools): readonly [IpFamily, FamilyBinaries][] {
  return tools.ipv6 === undefined ? [['ipv4', tools.ipv4]] : [['ipv4', tools.ipv4], ['ipv6', tools.ipv6]];
}

async function readState(binaries: FamilyBinaries) {
  return parseNatState(await runTool(binaries.save, ['-t', 'nat']));
}

/**
 * Writes the rules in one iptables-restore transaction per family. Jumps from an earlier run are deleted in the
 * same transaction and the chains are re-declared (emptied), so applying twice leaves one copy of every rule.
 */
export async function applyInterception(options: InterceptionOptions, tools: IptablesTools): Promise<readonly FamilyOutcome[]> {
  const outcomes: FamilyOutcome[] = [];
  for (const [family, binaries] of familiesOf(tools)) {
    const state = await readState(binaries);
    const document = renderRestoreDocument(buildRules(options, family), jumpRemovals(state));
    await runTool(binaries.restore, RESTORE_ARGS, document);
    outcomes.push({ family, document, replacedJumps: state.jumps.length, chainsBefore: state.chains.length });
  }
  return outcomes;
}

/** Removes Weft's chains and jumps; a family with nothing of Weft's is left alone (cleanup twice is fine). */
export async function cleanupInterception(tools: IptablesTools, options: { readonly dryRun?: boolean } = {}): Promise<readonly FamilyOutcome[]> {
  const outcomes: FamilyOutcome[] = [];
  for (const [family, binaries] of familiesOf(tools)) {
    const state = await readState(binaries);
    const document = renderCleanupDocument(state, family) ?? '';
    if (document !== '' && options.dryRun !== true) await runTool(binaries.restore, RESTORE_ARGS, document);
    outcomes.push({ family, document, replacedJumps: state.jumps.length, chainsBefore: state.chains.length });
  }
  return outcomes;
}
