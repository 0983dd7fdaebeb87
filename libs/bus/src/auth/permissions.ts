import type { BusNames } from '../names.js';

/** NATS publish/subscribe permissions as a user JWT carries them (allow lists; anything else is denied). */
export interface NatsPermissions {
  readonly publish: { readonly allow: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[] };
}

/** What one identity may do: follow these scopes, and act as these agents (their assignments and status). */
export interface IdentityGrant {
  /** Agent ids (`<namespace>_<pod>`) of the pods running as the identity. */
  readonly agents: readonly string[];
  /** Scopes currently assigned to those agents. */
  readonly scopes: readonly string[];
}

const API = '$JS.API';

/**
 * The narrowest permissions an agent connection works with (checked against nats-server 2.15 and NATS.js 3.4 in
 * e2e/src/scenarios/nats-identity.test.ts), for the subjects libs/bus uses on the agent side:
 *
 * - read a scope: direct get of the last message of its delta and full subjects (the subject is part of the API
 *   subject), and ordered consumers filtered on one of them (NATS.js puts the filter in the create subject; the
 *   server refuses a config whose filter differs from it);
 * - read its assignments: ordered consumers filtered on `assign.<agent>`;
 * - write its status: a JetStream publish to `status.<agent>` (the ack comes back on its inbox);
 * - what every ordered consumer needs on its stream: STREAM.INFO before creating it, then MSG.NEXT (pull), INFO (after
 *   missed heartbeats) and DELETE (when it is reset) on a consumer whose name is chosen by the client. Those four
 *   cannot name the filter; a consumer's name is a random NUID, so another identity's consumer cannot be pulled
 *   from without knowing its name, and listing consumers is not allowed;
 * - subscribe only under its own inbox prefix, so no other client's replies or deliveries reach it.
 */
export function agentPermissions(names: BusNames, grant: IdentityGrant, inboxPrefix: string): NatsPermissions {
  const publish = new Set<string>();
  const consumerOps = (stream: string): void => {
    publish.add(`${API}.STREAM.INFO.${stream}`);
    publish.add(`${API}.CONSUMER.MSG.NEXT.${stream}.*`);
    publish.add(`${API}.CONSUMER.INFO.${stream}.*`);
    publish.add(`${API}.CONSUMER.DELETE.${stream}.*`);
  };
  if (grant.scopes.length > 0) consumerOps(names.snapStream);
  for (const scope of grant.scopes) {
    for (const subject of [names.deltaSubject(scope), names.fullSubject(scope)]) {
      publish.add(`${API}.DIRECT.GET.${names.snapStream}.${subject}`);
      publish.add(`${API}.CONSUMER.CREATE.${names.snapStream}.*.${subject}`);
    }
  }
  if (grant.agents.length > 0) consumerOps(names.assignStream);
  for (const agent of grant.agents) {
    publish.add(`${API}.CONSUMER.CREATE.${names.assignStream}.*.${names.assignSubject(agent)}`);
    publish.add(names.statusSubject(agent));
  }
  return {
    publish: { allow: [...publish].sort() },
    subscribe: { allow: [`${inboxPrefix}.>`] },
  };
}
