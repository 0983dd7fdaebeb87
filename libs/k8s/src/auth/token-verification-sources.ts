import type { Logger } from '@weft/telemetry';
import type { KubeHttp } from '../client/kube-http.js';
import { ServiceAccountIssuerKeys } from './service-account-issuer.js';
import type { ServiceAccountIssuerKeysOptions } from './service-account-issuer.js';
import { TokenSubjectIndex } from './token-subject-index.js';

/**
 * What a certificate service reads from the API server to check ServiceAccount tokens itself (@weft/pki's
 * LocalTokenVerifier): the issuer's keys and the ServiceAccounts and pods tokens are bound to.
 */
export class TokenVerificationSources {
  readonly keys: ServiceAccountIssuerKeys;
  readonly subjects: TokenSubjectIndex;

  constructor(http: KubeHttp, options: { readonly log: Logger; readonly keys?: Omit<ServiceAccountIssuerKeysOptions, 'log'> }) {
    this.keys = new ServiceAccountIssuerKeys(http, { ...options.keys, log: options.log });
    this.subjects = new TokenSubjectIndex(http, { log: options.log });
  }

  start(): void {
    this.keys.start();
    this.subjects.start();
  }

  async stop(): Promise<void> {
    this.keys.stop();
    await this.subjects.stop();
  }

  /** For debug endpoints and the startup log. */
  describe(): { readonly keys: ReturnType<ServiceAccountIssuerKeys['describe']>; readonly subjects: ReturnType<TokenSubjectIndex['describe']> } {
    return { keys: this.keys.describe(), subjects: this.subjects.describe() };
  }
}
