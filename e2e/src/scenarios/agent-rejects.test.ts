import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentIdOf, connectBus } from '@weft/bus';
import type { Bus } from '@weft/bus';
import { contentHash } from '@weft/snapshot';
import { mkRoute } from '@weft/snapshot/testing';
import { startNats, waitFor } from '../harness/index.js';
import { etcdRoutes, metric, publishContent, readyz, scopeContent, startAgent } from './agent-process.js';

async function lastError(cp: Bus): Promise<string | null | undefined> {
  return (await cp.listStatus())[0]?.lastError;
}

describe('agent rejects', () => {
  it('agent - rejects a malformed, schema-invalid, oversized or unknown-schema snapshot, keeps the last good one and reports why', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const publisher = cp.createPublisher();
    await cp.publishAssignment(agentIdOf('shop', 'web-1'), 'ns-shop');
    await using agent = await startAgent({ natsUrl: nats.url, pod: 'web-1', store: 'both', extraArgs: ['--max-snapshot-bytes', '20000'] });
    const good = scopeContent('r', 3);
    const goodVersion = await publishContent(publisher, 'ns-shop', good);
    await waitFor('v1 served', async () => (await etcdRoutes(agent.etcd!)).ids.length === 3);
    await waitFor('a clean status', async () => (await cp.listStatus())[0]?.appliedVersion === goodVersion);

    const stillGood = async (): Promise<void> => {
      expect((await etcdRoutes(agent.etcd!)).ids).toEqual(['r-0', 'r-1', 'r-2']);
      expect(await readyz(agent.health)).toBe(200);
      const [status] = await cp.listStatus();
      expect(status?.appliedVersion).toBe(goodVersion);
    };

    // Malformed: resources that are not lists.
    await publisher.publishScope('ns-shop', { hash: 'f'.repeat(64), document: { resources: { routes: 'nope' }, trustBundle: [] } });
    await waitFor('the malformed error reported', async () => (await lastError(cp))?.includes('malformed'));
    await stillGood();

    // Schema-invalid: an unknown field and a route to an upstream that is not there.
    const invalid = scopeContent('r', 1, { routes: [mkRoute('bad', { upstream_id: 'ghost' }), { ...mkRoute('odd'), bogus: true } as never] });
    await publishContent(publisher, 'ns-shop', invalid);
    await waitFor('the schema error reported', async () => (await lastError(cp))?.includes('ghost'));
    expect(await lastError(cp)).toContain('bogus');
    await stillGood();

    // Oversized: past --max-snapshot-bytes.
    await publishContent(publisher, 'ns-shop', scopeContent('big', 300));
    await waitFor('the size error reported', async () => (await lastError(cp))?.includes('more than the limit of 20000'));
    await stillGood();

    // A schema major this agent does not know: refused by the bus, never decoded.
    await publisher.publishScope('ns-shop', { hash: contentHash(good.resources, good.trustBundle), document: scopeContent('v2', 1), schema: '2.0' });
    await waitFor('the schema major error reported', async () => (await lastError(cp))?.includes('"2.0"'));
    await stillGood();

    for (const reason of ['malformed', 'invalid', 'too-large', 'refused']) {
      expect(await metric(agent.health, 'weft_agent_snapshots_rejected_total', { reason })).toBeGreaterThanOrEqual(1);
    }

    // The next good version applies and clears the error.
    const fixed = scopeContent('r', 4);
    const fixedVersion = await publishContent(publisher, 'ns-shop', fixed);
    await waitFor('the fix served', async () => (await etcdRoutes(agent.etcd!)).ids.length === 4);
    await waitFor('a clean status again', async () => {
      const [status] = await cp.listStatus();
      return status?.appliedVersion === fixedVersion && status.lastError === null;
    });
  });

  it('agent - offline mode serves a snapshot file, ignores a bad edit and applies a good one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-e2e-offline-'));
    await using _cleanup = { [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
    const file = join(dir, 'snapshot.json');
    const writeAtomically = async (value: unknown): Promise<void> => {
      await writeFile(`${file}.tmp`, JSON.stringify(value));
      await rename(`${file}.tmp`, file);
    };
    await writeAtomically(scopeContent('r', 2));
    // --snapshot turns NATS off: nothing listens at this URL, and the agent never tries it.
    await using agent = await startAgent({ natsUrl: 'nats://127.0.0.1:1', pod: 'unused', extraArgs: ['--snapshot', file] });
    await waitFor('the file served', async () => (await etcdRoutes(agent.etcd!)).ids.length === 2);
    expect(await readyz(agent.health)).toBe(200);
    await writeAtomically({ resources: { routes: [mkRoute('x', { upstream_id: 'ghost' })] }, trustBundle: [] });
    await waitFor('the bad edit rejected', async () => (await metric(agent.health, 'weft_agent_snapshots_rejected_total', { reason: 'invalid' })) === 1);
    expect((await etcdRoutes(agent.etcd!)).ids).toEqual(['r-0', 'r-1']);
    await writeAtomically(scopeContent('r', 3));
    await waitFor('the good edit served', async () => (await etcdRoutes(agent.etcd!)).ids.length === 3);
  });
});
