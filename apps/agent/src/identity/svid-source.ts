import { KeyObject } from 'node:crypto';
import { createCsr, exportPrivateKeyPem, formatSpiffeId, generateKeyPair, nextRotation } from '@weft/pki';
import type { SpiffeIdParts } from '@weft/pki';
import type { Logger } from '@weft/telemetry';
import { checkAnswer, SvidAnswerError } from './answer-check.js';
import type { CheckedSvid } from './answer-check.js';
import type { CaAnswer } from './ca-client.js';
import { CaRequestError } from './ca-client.js';
import type { IdentityMetrics } from './identity-metrics.js';
import { TokenFileError } from './token-file.js';

/** The agent's current identity. The key lives in this object only: never on disk. */
export interface Svid extends CheckedSvid {
  readonly spiffeId: string;
  /** PKCS#8 PEM of the key the SVID certifies (made in memory for this SVID). */
  readonly privateKeyPem: string;
  readonly receivedAt: Date;
  /** When the next rotation starts (half-life with jitter). */
  readonly rotateAt: Date;
}

export type SvidListener = (svid: Svid) => void;

export interface SvidSourceOptions {
  readonly spiffeId: SpiffeIdParts;
  /** Sends the CSR to the certificate service (reading the current token each time). */
  readonly requestCertificate: (csrPem: string) => Promise<CaAnswer>;
  /** DNS SANs to ask for in each CSR, read at each attempt (the mesh names the snapshot demands); absent: none. */
  readonly dnsNames?: () => readonly string[];
  readonly log: Logger;
  readonly metrics?: IdentityMetrics;
  /** First retry after a failure: 1 s; doubles up to maxMs: 30 s. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** [0, 1): the rotation jitter and the backoff jitter. */
  readonly random?: () => number;
  readonly now?: () => Date;
}

/** What /debug/state shows: no key material. */
export interface SvidView {
  readonly spiffeId: string;
  readonly serialNumber: string | null;
  readonly notAfter: string | null;
  readonly rotateAt: string | null;
  readonly nextAttemptAt: string | null;
  readonly failures: number;
  readonly lastError: string | null;
}

/** The failure's metric label: a gRPC status name, BAD_ANSWER or TOKEN_FILE. */
function codeOf(err: unknown): string {
  if (err instanceof CaRequestError) return err.code;
  if (err instanceof SvidAnswerError) return 'BAD_ANSWER';
  if (err instanceof TokenFileError) return 'TOKEN_FILE';
  return 'INTERNAL';
}

/**
 * Obtains the agent's SVID and keeps it fresh: a new key and CSR per SVID, rotation at half-life with jitter, and on
 * failure the current SVID stays while retries back off (1 s, 2 s, … 30 s, jittered). Listeners hear of each new SVID.
 */
export class SvidSource {
  readonly #options: SvidSourceOptions;
  readonly #uri: string;
  readonly #listeners = new Set<SvidListener>();
  #current: Svid | undefined;
  #lastError: string | null = null;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #nextAttemptAt: Date | undefined;
  #attempt: Promise<void> | undefined;
  #stopped = false;

  constructor(options: SvidSourceOptions) {
    this.#options = options;
    this.#uri = formatSpiffeId(options.spiffeId);
  }

  get spiffeId(): string {
    return this.#uri;
  }

  get current(): Svid | undefined {
    return this.#current;
  }

  /** The last failure's message; null after a success. */
  get lastError(): string | null {
    return this.#lastError;
  }

  /** Calls `listener` with every new SVID (not the current one); returns the unsubscribe function. */
  onSvid(listener: SvidListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts at once: the first SVID, then the rotations. */
  start(): void {
    this.#schedule(0);
  }

  /**
   * Asks for a new SVID now (the snapshot shows a mesh name the current one lacks), unless an attempt is under way;
   * rotation and retries then go on from that attempt's outcome. The caller paces these (see MeshNameRenewal).
   */
  renew(): void {
    if (this.#stopped || this.#attempt !== undefined) return;
    this.#schedule(0);
  }

  /** Stops rotating; waits for an attempt in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#attempt;
  }

  view(): SvidView {
    const svid = this.#current;
    return {
      spiffeId: this.#uri,
      serialNumber: svid?.serialNumber ?? null,
      notAfter: svid?.notAfter.toISOString() ?? null,
      rotateAt: svid?.rotateAt.toISOString() ?? null,
      nextAttemptAt: this.#nextAttemptAt?.toISOString() ?? null,
      failures: this.#failures,
      lastError: this.#lastError,
    };
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const wait = Math.min(Math.max(0, delayMs), 2 ** 31 - 1);
    this.#nextAttemptAt = new Date(this.#now().getTime() + wait);
    this.#timer = setTimeout(() => {
      this.#attempt = this.#obtain().finally(() => {
        this.#attempt = undefined;
      });
    }, wait);
    this.#timer.unref();
  }

  async #obtain(): Promise<void> {
    const { log, metrics } = this.#options;
    const random = this.#options.random ?? Math.random;
    try {
      const keys = await generateKeyPair();
      const dnsNames = this.#options.dnsNames?.() ?? [];
      const csrPem = await createCsr({ keys, spiffeId: this.#options.spiffeId, ...(dnsNames.length === 0 ? {} : { dnsNames: [...dnsNames] }) });
      const answer = await this.#options.requestCertificate(csrPem);
      const now = this.#now();
      const checked = checkAnswer(answer, { spiffeId: this.#uri, privateKey: KeyObject.from(keys.privateKey) }, now);
      // Half-life from when it arrived, not from the back-dated notBefore (which would dominate short lifetimes).
      const rotateAt = nextRotation({ notBefore: now, notAfter: checked.notAfter }, now, random);
      const svid: Svid = { ...checked, spiffeId: this.#uri, privateKeyPem: await exportPrivateKeyPem(keys.privateKey), receivedAt: now, rotateAt };
      if (this.#stopped) return;
      const previous = this.#current;
      this.#current = svid;
      this.#lastError = null;
      this.#failures = 0;
      metrics?.issued.inc();
      log.info(
        {
          spiffeId: this.#uri,
          ...(dnsNames.length === 0 ? {} : { dnsNames }),
          serial: svid.serialNumber,
          notAfter: svid.notAfter.toISOString(),
          rotateAt: rotateAt.toISOString(),
          ...(previous === undefined ? {} : { previousSerial: previous.serialNumber, previousNotAfter: previous.notAfter.toISOString() }),
        },
        previous === undefined ? 'svid obtained' : 'svid rotated',
      );
      for (const listener of this.#listeners) {
        try {
          listener(svid);
        } catch (err) {
          log.error({ err }, 'an SVID listener failed');
        }
      }
      this.#schedule(rotateAt.getTime() - this.#now().getTime());
    } catch (err) {
      if (this.#stopped) return;
      this.#failures++;
      const code = codeOf(err);
      this.#lastError = `cannot obtain an SVID for ${this.#uri}: ${code} ${(err as Error).message}`;
      metrics?.rotationFailures.inc({ code });
      const initial = this.#options.backoff?.initialMs ?? 1_000;
      const max = this.#options.backoff?.maxMs ?? 30_000;
      const base = Math.min(max, initial * 2 ** Math.min(this.#failures - 1, 30));
      const retryInMs = Math.round(base * (0.8 + 0.4 * random()));
      const current = this.#current;
      log.warn(
        {
          spiffeId: this.#uri,
          code,
          err: (err as Error).message,
          failures: this.#failures,
          retryInMs,
          ...(current === undefined ? {} : { keeping: current.serialNumber, notAfter: current.notAfter.toISOString() }),
        },
        current === undefined ? 'cannot obtain an SVID yet; retrying' : 'svid rotation failed; keeping the current SVID and retrying',
      );
      this.#schedule(retryInMs);
    }
  }
}
