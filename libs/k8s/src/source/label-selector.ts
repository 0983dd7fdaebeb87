/** One requirement of a Kubernetes label selector. */
export type LabelRequirement =
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'doesnotexist'; readonly key: string };

export type LabelSelector = readonly LabelRequirement[];

export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function checkKey(key: string, source: string): string {
  if (!KEY.test(key)) throw new LabelSelectorError(`invalid label key "${key}" in selector "${source}"`);
  return key;
}

function checkValue(value: string, source: string): string {
  if (!VALUE.test(value)) throw new LabelSelectorError(`invalid label value "${value}" in selector "${source}"`);
  return value;
}

/** Parses the kubectl `-l` syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma-separated. */
export function parseLabelSelector(source: string): LabelSelector {
  const requirements: LabelRequirement[] = [];
  for (const part of splitTop(source)) {
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    const absent = /^!\s*(\S+)$/.exec(part);
    if (set) {
      const [, key = '', op, list = ''] = set;
      const values = list.split(',').map((v) => checkValue(v.trim(), source));
      requirements.push({ op: op === 'in' ? 'in' : 'notin', key: checkKey(key, source), values });
    } else if (equality) {
      const [, key = '', op, value = ''] = equality;
      requirements.push({ op: op === '!=' ? 'notin' : 'in', key: checkKey(key, source), values: [checkValue(value, source)] });
    } else if (absent) {
      requirements.push({ op: 'doesnotexist', key: checkKey(absent[1] ?? '', source) });
    } else if (/^\S+$/.test(part)) {
      requirements.push({ op: 'exists', key: checkKey(part, source) });
    } else {
      throw new LabelSelectorError(`cannot parse "${part}" in selector "${source}"`);
    }
  }
  return requirements;
}

export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return selector.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key] ?? '');
      case 'notin':
        return !has || !r.values.includes(labels[r.key] ?? '');
    }
  });
}
