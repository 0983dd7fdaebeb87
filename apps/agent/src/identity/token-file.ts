import { readFile } from 'node:fs/promises';

/** The projected ServiceAccount token cannot be read. */
export class TokenFileError extends Error {
  override readonly name = 'TokenFileError';
}

const MAX_TOKEN_BYTES = 16 * 1024;

/**
 * Reads the projected token afresh (the kubelet rewrites it before it expires), so every request carries a current
 * one. Throws TokenFileError saying what to mount.
 */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TokenFileError(
      code === 'ENOENT'
        ? `no ServiceAccount token at ${path}: mount a projected serviceAccountToken volume with audience "weft" there, or set --token-file`
        : `cannot read the ServiceAccount token ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const token = text.trim();
  if (token === '') throw new TokenFileError(`the ServiceAccount token file ${path} is empty`);
  if (token.length > MAX_TOKEN_BYTES || /\s/.test(token)) throw new TokenFileError(`${path} does not hold a single token`);
  return token;
}
