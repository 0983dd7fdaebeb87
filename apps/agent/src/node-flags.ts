/**
 * V8 flags the agent runs with. `bin/weft-agent.mjs` passes them (its shebang for the built agent, its command for the
 * sources; node-flags.test.ts keeps them equal to this list); flags cannot be set once the process runs.
 *
 * `--max-semi-space-size=1` (MiB): V8 grows the young generation up to 16 MiB per semi-space while a full state is
 * read and keeps it committed afterwards: ~30 MB more resident memory for a 10,000-Service scope, for nothing once it
 * idles. At 1 MiB the young generation is collected more often; a one-route delta allocates a few tens of KB.
 *
 * `--expose-gc`: one full collection after a full state (full-state-collection.ts) hands back what reading it left.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--expose-gc'];
