import { validateAgentId, validateClusterId, validateScopeId } from './ids.js';

/**
 * Every subject and stream of a cluster starts with its id, so clusters joined by leaf nodes never collide.
 *
 * ```
 * stream weft-<cluster>-snap    subjects weft.<cluster>.snap.>
 *   weft.<cluster>.snap.<scope>.delta   one record per version of the scope: its delta, or a reset marker
 *   weft.<cluster>.snap.<scope>.full    the latest full state of the scope (older ones rolled up)
 * stream weft-<cluster>-status  subjects weft.<cluster>.status.>
 *   weft.<cluster>.status.<agent>       the latest status of each agent
 * stream weft-<cluster>-assign  subjects weft.<cluster>.assign.>
 *   weft.<cluster>.assign.<agent>       the scope each agent follows
 * ```
 */
export interface BusNames {
  readonly cluster: string;
  readonly snapStream: string;
  readonly statusStream: string;
  readonly assignStream: string;
  /** `weft.<cluster>.snap.>` */
  readonly snapSubjects: string;
  /** `weft.<cluster>.status.>` */
  readonly statusSubjects: string;
  /** `weft.<cluster>.assign.>` */
  readonly assignSubjects: string;
  deltaSubject(scope: string): string;
  fullSubject(scope: string): string;
  statusSubject(agent: string): string;
  assignSubject(agent: string): string;
  /** The agent id of a status subject, or undefined when the subject is not one of this cluster's. */
  agentOfStatusSubject(subject: string): string | undefined;
}

export function busNames(cluster: string): BusNames {
  validateClusterId(cluster);
  const prefix = `weft.${cluster}`;
  const statusPrefix = `${prefix}.status.`;
  return Object.freeze({
    cluster,
    snapStream: `weft-${cluster}-snap`,
    statusStream: `weft-${cluster}-status`,
    assignStream: `weft-${cluster}-assign`,
    snapSubjects: `${prefix}.snap.>`,
    statusSubjects: `${prefix}.status.>`,
    assignSubjects: `${prefix}.assign.>`,
    deltaSubject: (scope: string) => `${prefix}.snap.${validateScopeId(scope)}.delta`,
    fullSubject: (scope: string) => `${prefix}.snap.${validateScopeId(scope)}.full`,
    statusSubject: (agent: string) => `${statusPrefix}${validateAgentId(agent)}`,
    assignSubject: (agent: string) => `${prefix}.assign.${validateAgentId(agent)}`,
    agentOfStatusSubject: (subject: string) => {
      if (!subject.startsWith(statusPrefix)) return undefined;
      const agent = subject.slice(statusPrefix.length);
      return agent.length > 0 && !agent.includes('.') ? agent : undefined;
    },
  });
}
