/** Helpers for tests of code that uses the bus. */
export { NothingWithinError, nextWithin } from './next-within.js';
