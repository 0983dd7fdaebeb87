// RegularExpression matches checked against real PCRE2 (Debian's pcre2test, installed by
// scripts/servers/install-debian.sh): what the check accepts, the PCRE APISIX runs must compile.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pcrePatternProblem } from './pcre-pattern.js';

const DELIMITERS = ['/', '!', '@', '%', '&', '~', ';', '"', "'", '`'];

/** Compiles each pattern with pcre2test: true when PCRE2 accepts it. One process for the whole list. */
function pcre2Compiles(patterns: readonly string[]): boolean[] {
  const dir = mkdtempSync(join(tmpdir(), 'weft-pcre-'));
  try {
    const lines: string[] = [];
    for (const p of patterns) {
      const d = DELIMITERS.find((x) => !p.includes(x));
      if (d === undefined) throw new Error(`no delimiter for ${p}`);
      // Each pattern with no subject lines; the marker line separates the answers.
      lines.push(`${d}${p}${d}`, '', '/MARK/', '');
    }
    const file = join(dir, 'patterns.txt');
    writeFileSync(file, `${lines.join('\n')}\n`);
    let output: string;
    try {
      output = execFileSync('pcre2test', [file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stdout?: string };
      if (e.code === 'ENOENT') throw new Error('pcre2test is missing: run scripts/servers/install-debian.sh (Debian package pcre2-utils)');
      output = e.stdout ?? '';
    }
    const blocks = output.split(/^\/MARK\/$/m).slice(0, patterns.length);
    expect(blocks).toHaveLength(patterns.length);
    return blocks.map((b) => !/^Failed: error/m.test(b));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('RegularExpression patterns, as PCRE runs them', () => {
  const usable = [
    '/api/v[0-9]+/.*',
    '(?i)^/Admin',
    '^/a++b$',
    '(?>ab|a)c',
    '(?P<id>[0-9]+)-(?P=id)',
    '(?<id>x)\\k<id>',
    '\\A/health\\z',
    '\\Q/a.b\\E.*',
    '[]a]+',
    '[[:alpha:]]+',
    'x{2,3}+y',
    '(?i:Foo)bar',
    '(?# comment)abc',
    '\\h+\\R',
    '^/(?!internal)',
  ];
  const refused = ['/(unclosed', '\\u0041', '\\U', '*a', 'a++*', '[z-a]', '(?<n>a)(?<n>b)', '\\1a', '\\k<n>', '[[:nope:]]', '\\i'];

  it('accepts PCRE syntax users bring from PCRE and RE2, and PCRE2 agrees', () => {
    for (const p of usable) expect(pcrePatternProblem(p), p).toBeUndefined();
    expect(pcre2Compiles(usable)).toEqual(usable.map(() => true));
  });

  it('refuses with a reason what PCRE2 refuses, including JavaScript-only escapes', () => {
    for (const p of refused) expect(pcrePatternProblem(p), p).toMatch(/\S/);
    expect(pcrePatternProblem('a\\')).toBe('\\ at end of pattern');
    expect(pcre2Compiles(refused)).toEqual(refused.map(() => false));
  });

  it('property: a pattern the check accepts compiles in PCRE2', () => {
    const piece = fc.constantFrom(
      'a', 'b', '0', '.', '/', '-', ',', ':', '(', ')', '(?:', '(?i)', '(?>', '(?P<n>', '(?<n>', '(?=', '(?!', '[', ']', '[^',
      '{', '}', '{2}', '{1,3}', '*', '+', '?', '|', '^', '$', '\\', '\\d', '\\w', '\\.', '\\Q', '\\E', '\\A', '\\z', '\\u', '\\x41',
      '\\k<n>', '\\1', '[:alpha:]', '#',
    );
    const pattern = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 100, maxLength: 100 }), (patterns) => {
        const compiles = pcre2Compiles(patterns);
        patterns.forEach((p, i) => {
          if (pcrePatternProblem(p) === undefined) expect(compiles[i], `accepted ${JSON.stringify(p)} but PCRE2 refuses it`).toBe(true);
        });
      }),
      { numRuns: 20 },
    );
  });
});
