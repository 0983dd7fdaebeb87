/**
 * Whether APISIX can use a RegularExpression match. APISIX runs it with PCRE (`ngx.re.find`, lua-resty-expr `~~`);
 * this check runs in JavaScript: the pattern is rewritten, token by token, from PCRE syntax into an equivalent for
 * JavaScript's strict (`u`) parser, which then decides. Syntax users bring from PCRE and RE2 is understood (inline
 * flags, atomic groups, possessive quantifiers, `(?P<name>)`, `\A` `\z`, `\Q…\E`, POSIX classes); what PCRE refuses is
 * refused (JavaScript-only escapes such as `\u`, unknown escapes, references to missing groups); the few PCRE features
 * the check cannot vouch for (recursion, branch reset, callouts, verbs, extended mode) are refused with that reason.
 * The differential test compares the verdicts with real PCRE2.
 *
 * Returns undefined when the pattern is usable, else why not.
 */
export function pcrePatternProblem(pattern: string): string | undefined {
  let rewritten: string;
  try {
    rewritten = new PcreRewriter(pattern).run();
  } catch (err) {
    if (err instanceof PatternProblem) return err.message;
    throw err;
  }
  try {
    new RegExp(rewritten, 'u');
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}

class PatternProblem extends Error {}

/** A rewrite and the number of pattern characters it replaces. */
type Token = readonly [string, number];

const SYNTAX = '^$\\.*+?()[]{}|/';
const CLASS_SYNTAX = ']\\^-';
const POSIX_CLASSES = new Set(['alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit']);
const FLAG_GROUP = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([):])/;
const QUANTIFIER = /^\{\d+(?:,\d*)?\}/;
/** Escapes both dialects spell alike. */
const SHARED_ESCAPES = 'dDwWsSnrtf';

class PcreRewriter {
  private out = '';
  private i = 0;

  constructor(private readonly pattern: string) {}

  run(): string {
    const p = this.pattern;
    while (this.i < p.length) {
      const c = p[this.i] as string;
      if (c === '\\') this.emit(...this.escape(false));
      else if (c === '[') this.characterClass();
      else if (c === '(') this.emit(...this.group());
      else if (c === '{') {
        const q = QUANTIFIER.exec(p.slice(this.i));
        this.emit(q === null ? '\\{' : q[0], q === null ? 1 : q[0].length);
        if (q !== null) this.afterQuantifier();
      } else if (c === '}' || c === ']') this.emit(`\\${c}`, 1);
      else if (c === '*' || c === '+' || c === '?') {
        this.emit(c, 1);
        this.afterQuantifier();
      } else this.emit(c, 1);
    }
    return this.out;
  }

  /** Appends `text` for the next `consumed` characters of the pattern. */
  private emit(text: string, consumed: number): void {
    this.out += text;
    this.i += consumed;
  }

  /** A `?` right after a quantifier makes it lazy; a `+`, possessive (greedy, never giving back). */
  private afterQuantifier(): void {
    if (this.pattern[this.i] === '?') {
      this.emit('?', 1);
      return;
    }
    if (this.pattern[this.i] !== '+') return;
    this.i += 1;
    const next = this.pattern.slice(this.i);
    if (/^[*+?]/.test(next) || QUANTIFIER.test(next)) throw new PatternProblem('quantifier does not follow a repeatable item');
  }

  /** The token for the escape at the cursor: its rewrite and how many pattern characters it takes. */
  private escape(inClass: boolean): Token {
    const p = this.pattern;
    const x = p[this.i + 1];
    if (x === undefined) throw new PatternProblem('\\ at end of pattern');
    if (!/[A-Za-z0-9]/.test(x)) {
      // An escaped symbol is that symbol; JavaScript's strict parser allows the escape only on syntax characters.
      return [(inClass ? CLASS_SYNTAX : SYNTAX).includes(x) ? `\\${x}` : x === '-' && inClass ? '\\-' : x, 2];
    }
    if (SHARED_ESCAPES.includes(x)) return [`\\${x}`, 2];
    if (/[1-9]/.test(x)) {
      if (inClass) throw new PatternProblem(`\\${x} (octal or back reference) in a character class is not supported`);
      const digits = /^\d+/.exec(p.slice(this.i + 1))?.[0] ?? x;
      return [`\\${digits}`, 1 + digits.length];
    }
    switch (x) {
      case '0':
        return ['\\0', 2];
      case 'b':
      case 'B':
        if (inClass) {
          if (x === 'B') throw new PatternProblem('\\B is not allowed in a character class');
          return ['\\x08', 2];
        }
        return [`\\${x}`, 2];
      case 'v':
      case 'h':
      case 'H':
      case 'V':
      case 'N':
        if (x === 'N' && p[this.i + 2] === '{') throw new PatternProblem('PCRE does not support \\N{name}');
        return [inClass ? 'a' : '.', 2];
      case 'R':
      case 'X':
        if (inClass) throw new PatternProblem(`\\${x} is not allowed in a character class`);
        return ['.', 2];
      case 'e':
        return ['\\x1b', 2];
      case 'a':
        return ['\\x07', 2];
      case 'x': {
        if (p[this.i + 2] === '{') {
          const m = /^\{([0-9a-fA-F]+)\}/.exec(p.slice(this.i + 2));
          if (m === null) throw new PatternProblem('\\x{…} needs hexadecimal digits');
          return [`\\u{${m[1] ?? ''}}`, 2 + m[0].length];
        }
        const hex = /^[0-9a-fA-F]{0,2}/.exec(p.slice(this.i + 2))?.[0] ?? '';
        return [`\\x${hex.padStart(2, '0')}`, 2 + hex.length];
      }
      case 'c':
        if (!/[A-Za-z]/.test(p[this.i + 2] ?? '')) throw new PatternProblem('\\c needs a letter');
        return [`\\c${p[this.i + 2] ?? ''}`, 3];
      case 'A':
      case 'G':
      case 'z':
      case 'Z':
      case 'K':
        if (inClass) throw new PatternProblem(`\\${x} is not allowed in a character class`);
        return [x === 'K' ? '(?=)' : x === 'z' || x === 'Z' ? '$' : '^', 2];
      case 'Q': {
        const end = p.indexOf('\\E', this.i + 2);
        const quoted = p.slice(this.i + 2, end === -1 ? undefined : end);
        let literal = '';
        for (const ch of quoted) literal += (inClass ? CLASS_SYNTAX : SYNTAX).includes(ch) ? `\\${ch}` : ch;
        return [literal, (end === -1 ? p.length : end + 2) - this.i];
      }
      case 'E':
        return ['', 2];
      case 'k': {
        if (inClass) throw new PatternProblem('\\k is not allowed in a character class');
        const m: RegExpExecArray | null = /^k(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|\{([A-Za-z_]\w*)\})/.exec(p.slice(this.i + 1));
        if (m === null) throw new PatternProblem('\\k needs a group name as \\k<name>');
        return [`\\k<${m[1] ?? m[2] ?? m[3] ?? ''}>`, 1 + m[0].length];
      }
      case 'p':
      case 'P':
      case 'o':
      case 'g':
        throw new PatternProblem(`\\${x} is not supported in route matches`);
      default:
        throw new PatternProblem(`PCRE does not support \\${x}`);
    }
  }

  private characterClass(): void {
    const p = this.pattern;
    if (/^\[([:.=])[^\]]*?\1\]/.test(p.slice(this.i))) throw new PatternProblem('POSIX classes are supported only inside a class, as [[:alpha:]]');
    this.emit('[', 1);
    if (p[this.i] === '^') this.emit('^', 1);
    const start = this.out.length;
    while (this.i < p.length) {
      const c = p[this.i] as string;
      if (c === ']') {
        // A ']' before any member (`\E` and empty `\Q\E` are none) is a member.
        if (this.out.length === start) {
          this.emit('\\]', 1);
          continue;
        }
        this.emit(']', 1);
        return;
      }
      if (c === '\\') this.emit(...this.escape(true));
      else if (c === '[' && p[this.i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.i));
        if (m === null) this.emit('\\[', 1);
        else if (!POSIX_CLASSES.has(m[2] ?? '')) throw new PatternProblem(`unknown POSIX class [:${m[2] ?? ''}:]`);
        else this.emit('\\w', m[0].length); // any class stands in for a POSIX one
      } else if (c === '[' || c === '{' || c === '}' || c === '(' || c === ')' || c === '|' || c === '/') this.emit(`\\${c}`, 1);
      else this.emit(c, 1);
    }
    throw new PatternProblem('missing terminating ] for character class');
  }

  private group(): Token {
    const p = this.pattern;
    const rest = p.slice(this.i);
    if (rest.startsWith('(*')) throw new PatternProblem('backtracking verbs (*…) are not supported in route matches');
    if (!rest.startsWith('(?')) return ['(', 1];
    const flags = FLAG_GROUP.exec(rest);
    if (flags !== null && (flags[1] !== '' || flags[2] !== undefined)) {
      const all = `${flags[1] ?? ''}${flags[2] ?? ''}`;
      if (/[^imsnJU]/.test(all)) {
        if (all.includes('x')) throw new PatternProblem('extended mode (?x) is not supported in route matches');
        throw new PatternProblem(`unknown inline flag in ${flags[0]}`);
      }
      // An empty lookahead stands in for a flag setting: nothing, and not quantifiable, as in PCRE.
      return [flags[3] === ')' ? '(?=)' : '(?:', flags[0].length];
    }
    const named = /^\(\?(?:P?<|')([A-Za-z_]\w*)[>']/.exec(rest);
    if (named !== null && !rest.startsWith('(?<=') && !rest.startsWith('(?<!')) return [`(?<${named[1] ?? ''}>`, named[0].length];
    const backref = /^\(\?P=([A-Za-z_]\w*)\)/.exec(rest);
    if (backref !== null) return [`\\k<${backref[1] ?? ''}>`, backref[0].length];
    if (rest.startsWith('(?#')) {
      const end = p.indexOf(')', this.i);
      if (end === -1) throw new PatternProblem('missing ) after (?# comment');
      return ['', end + 1 - this.i];
    }
    if (rest.startsWith('(?>')) return ['(?:', 3];
    for (const known of ['(?:', '(?=', '(?!', '(?<=', '(?<!']) if (rest.startsWith(known)) return [known, known.length];
    throw new PatternProblem(`group ${rest.slice(0, 4)}… (recursion, branch reset, conditionals, callouts) is not supported in route matches`);
  }
}
