import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { IptablesApplyError, IptablesBinaryMissingError } from './errors.js';

/** The tools one family needs. */
export interface FamilyBinaries {
  readonly restore: string;
  readonly save: string;
}

// Init container images often run with a PATH that lacks the sbin folders where Debian puts iptables.
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/**
 * Resolves a binary name (looked up on PATH and the sbin folders) or path to an executable file; throws
 * IptablesBinaryMissingError naming `flag` (the binary's own name, e.g. iptables-restore) when there is none.
 */
export async function findBinary(flag: string, nameOrPath: string, path = process.env['PATH'] ?? ''): Promise<string> {
  const candidates = nameOrPath.includes('/')
    ? [nameOrPath]
    : [...path.split(delimiter).filter((dir) => dir !== ''), ...SBIN].map((dir) => join(dir, nameOrPath));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next folder
    }
  }
  throw new IptablesBinaryMissingError(flag);
}

/** Runs `binary args…` with `input` on stdin; resolves stdout, or throws IptablesApplyError with stderr. */
export function runTool(binary: string, args: readonly string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (err) => {
      reject(new IptablesApplyError(binary, null, err.message, { cause: err }));
    });
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else reject(new IptablesApplyError(binary, code, Buffer.concat(stderr).toString('utf8')));
    });
    // A tool that exits before reading stdin makes the write fail with EPIPE; its exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
