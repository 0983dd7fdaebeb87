/**
 * How golden files (translate's APISIX config, the injector's pods) are printed: JSON with 2-space indents, but short
 * lists of scalars (hosts, vars, ports) on one line, so a reviewer reads a diff of them as easily as YAML.
 */
export function goldenJson(value: unknown, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const flat = JSON.stringify(value);
    if (flat.length <= 100 && !flat.includes('{')) return flat;
    return `[\n${value.map((v) => `${inner}${goldenJson(v, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${goldenJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
