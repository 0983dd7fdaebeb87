import { describe, expect, it } from 'vitest';
import { CertificateDenial } from './certificate-denial.js';
import { POD_NAME_EXTRA, serviceAccountOf, TokenAuthenticator } from './token-authenticator.js';
import type { ReviewAnswer } from './token-authenticator.js';
import { TokenReviewCache } from './token-cache.js';

// The review function stands in for the API server's TokenReview (libs/k8s TokenReviewer, tested against the real
// kube-apiserver in e2e/src/scenarios/certificate-service.test.ts); here it scripts its answers.
function authenticator(answer: (token: string) => ReviewAnswer | Promise<ReviewAnswer>, now = Date.now) {
  const calls: string[] = [];
  const lookups: string[] = [];
  const auth = new TokenAuthenticator({
    audience: 'weft',
    onLookup: (how) => lookups.push(how),
    cache: new TokenReviewCache({ ttlMs: 60_000, now }),
    review: async (token, audiences) => {
      expect(audiences).toEqual(['weft']);
      calls.push(token);
      return answer(token);
    },
  });
  return { auth, calls, lookups };
}

const ok = (username: string): ReviewAnswer => ({ authenticated: true, username, audiences: ['weft'] });

async function denial(promise: Promise<unknown>): Promise<CertificateDenial> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CertificateDenial);
  return err as CertificateDenial;
}

describe('token authenticator', () => {
  it('authenticator - maps a ServiceAccount username to its namespace and name', () => {
    expect(serviceAccountOf('system:serviceaccount:shop:cart')).toEqual({ namespace: 'shop', serviceAccount: 'cart' });
    expect(serviceAccountOf('system:serviceaccount:shop:cart.v2')).toEqual({ namespace: 'shop', serviceAccount: 'cart.v2' });
    expect(serviceAccountOf('system:serviceaccount:shop')).toBeUndefined();
    expect(serviceAccountOf('system:serviceaccount:shop:cart:extra')).toBeUndefined();
    expect(serviceAccountOf('system:serviceaccount:Shop:cart')).toBeUndefined();
    expect(serviceAccountOf('alice')).toBeUndefined();
  });

  it('authenticator - a valid token yields its ServiceAccount, and one review serves repeats and concurrent calls', async () => {
    const { auth, calls, lookups } = authenticator(() => ok('system:serviceaccount:shop:cart'));
    const [a, b] = await Promise.all([auth.authenticate('t1'), auth.authenticate('t1')]);
    expect(a).toEqual({ namespace: 'shop', serviceAccount: 'cart' });
    expect(b).toEqual(a);
    await auth.authenticate('t1');
    expect(calls).toEqual(['t1']);
    expect(auth.cacheHits).toBe(1);
    await auth.authenticate('t2');
    expect(calls).toEqual(['t1', 't2']);
    expect(lookups).toEqual(['reviewed', 'shared', 'cached', 'reviewed']);
  });

  it('authenticator - a pod-bound token names its pod; an unbound or ambiguous one names none', async () => {
    const bound = (pods: string[] | undefined): ReviewAnswer => ({ ...ok('system:serviceaccount:shop:cart'), ...(pods === undefined ? {} : { extra: { [POD_NAME_EXTRA]: pods } }) });
    expect(await authenticator(() => bound(['cart-7d9f-x2']) ).auth.authenticate('t1')).toEqual({ namespace: 'shop', serviceAccount: 'cart', podName: 'cart-7d9f-x2' });
    expect(await authenticator(() => bound(undefined)).auth.authenticate('t2')).toEqual({ namespace: 'shop', serviceAccount: 'cart' });
    expect(await authenticator(() => bound(['a', 'b'])).auth.authenticate('t3')).toEqual({ namespace: 'shop', serviceAccount: 'cart' });
    expect(await authenticator(() => bound(['Not_A_Pod'])).auth.authenticate('t4')).toEqual({ namespace: 'shop', serviceAccount: 'cart' });
  });

  it('authenticator - no token is UNAUTHENTICATED without asking the API server', async () => {
    const { auth, calls } = authenticator(() => ok('system:serviceaccount:shop:cart'));
    const d = await denial(auth.authenticate(''));
    expect([d.code, d.reason]).toEqual(['UNAUTHENTICATED', 'no-token']);
    expect(d.message).toMatch(/authorization: Bearer/);
    expect(calls).toEqual([]);
  });

  it('authenticator - a rejected token is UNAUTHENTICATED with the API server’s words', async () => {
    const { auth } = authenticator(() => ({ authenticated: false, audiences: [], error: 'invalid bearer token, token has expired' }));
    const d = await denial(auth.authenticate('expired'));
    expect([d.code, d.reason]).toEqual(['UNAUTHENTICATED', 'token-rejected']);
    expect(d.message).toContain('token has expired');
  });

  it('authenticator - another audience is UNAUTHENTICATED wrong-audience, also when the server leaves it out of status.audiences', async () => {
    const refused = authenticator(() => ({ authenticated: false, audiences: [], error: 'token audiences ["other"] is invalid for the target audiences ["weft"]' }));
    expect((await denial(refused.auth.authenticate('x'))).reason).toBe('wrong-audience');
    const silent = authenticator(() => ({ authenticated: true, username: 'system:serviceaccount:shop:cart', audiences: [] }));
    const d = await denial(silent.auth.authenticate('x'));
    expect([d.code, d.reason]).toEqual(['UNAUTHENTICATED', 'wrong-audience']);
  });

  it('authenticator - a user that is not a ServiceAccount is PERMISSION_DENIED', async () => {
    const { auth } = authenticator(() => ok('alice'));
    const d = await denial(auth.authenticate('x'));
    expect([d.code, d.reason]).toEqual(['PERMISSION_DENIED', 'not-a-service-account']);
  });

  it('authenticator - an unreachable API server is UNAVAILABLE and not cached; a refusal is cached briefly', async () => {
    let t = 0;
    let reachable = false;
    const { auth, calls } = authenticator(
      () => {
        if (!reachable) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
        return { authenticated: false, audiences: [], error: 'bad token' };
      },
      () => t,
    );
    const d = await denial(auth.authenticate('x'));
    expect([d.code, d.reason]).toEqual(['UNAVAILABLE', 'api-unavailable']);
    expect(d.message).toContain('ECONNREFUSED');
    reachable = true;
    expect((await denial(auth.authenticate('x'))).reason).toBe('token-rejected');
    expect((await denial(auth.authenticate('x'))).reason).toBe('token-rejected');
    expect(calls).toHaveLength(2); // the UNAVAILABLE one, then one review for both refusals
    t += 5_000;
    await denial(auth.authenticate('x'));
    expect(calls).toHaveLength(3);
  });
});
