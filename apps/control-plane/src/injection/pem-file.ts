import { readFileSync, statSync } from 'node:fs';

/**
 * Reads a PEM file, again only when it changed: the kubelet updates a mounted Secret in place, so a rotated NATS CA
 * reaches the next injected pod without a restart. Returns '' while the file cannot be read (the injector then
 * refuses to inject an agent that could not verify NATS).
 */
export function pemFileReader(path: string): () => string {
  let seen = '';
  let text = '';
  return () => {
    try {
      const stat = statSync(path);
      const version = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
      if (version !== seen) {
        text = readFileSync(path, 'utf8');
        seen = version;
      }
      return text;
    } catch {
      seen = '';
      text = '';
      return '';
    }
  };
}
