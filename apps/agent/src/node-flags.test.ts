import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AGENT_NODE_FLAGS } from './node-flags.js';

describe('AGENT_NODE_FLAGS', () => {
  it('are the flags bin/weft-agent.mjs starts the built agent (shebang) and the sources (command) with', async () => {
    const launcher = await readFile(new URL('../bin/weft-agent.mjs', import.meta.url), 'utf8');
    const shebang = launcher.split('\n')[0] ?? '';
    expect(shebang).toBe(`#!/usr/bin/env -S node ${AGENT_NODE_FLAGS.join(' ')}`);
    expect(launcher).toContain(`const nodeFlags = [${AGENT_NODE_FLAGS.map((f) => `'${f}'`).join(', ')}];`);
  });
});
