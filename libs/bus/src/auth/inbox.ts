import { createHash } from 'node:crypto';

/**
 * The inbox prefix of a client identity (e.g. a SPIFFE ID): replies to its requests and its JetStream deliveries
 * arrive under `<prefix>.>`. The default `_INBOX.>` is shared by every client, so an identity allowed to subscribe
 * there could read another's consumer deliveries; a prefix per identity lets its permissions name only its own.
 * Both sides derive it: the agent connects with it, the auth callout grants it.
 */
export function inboxPrefixOf(identity: string): string {
  return `_WEFT_INBOX.${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
}
