// @peculiar/x509 resolves its dependencies through tsyringe, which needs the Reflect polyfill loaded first.
// Every module of this library imports the library through here so the order holds.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

// Node's WebCrypto (globalThis.crypto is node:crypto's webcrypto).
x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
