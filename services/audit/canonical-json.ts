/**
 * RFC 8785 (JCS) canonical JSON, output for output the same as the `canonicalize` package for the
 * values audit events hold (strings, finite numbers, booleans, null, arrays, plain objects, values
 * with toJSON), without its intermediate strings: an event is hashed per decision, so this is on
 * the decision path. test/unit/audit-canonical-json.test.ts holds it to the package.
 */
export function canonicalJson(value: unknown): string | undefined {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new Error('NaN is not allowed');
    if (!Number.isFinite(value)) throw new Error('Infinity is not allowed');
    return JSON.stringify(value);
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value) as string | undefined;
  const withToJson = value as { toJSON?: unknown };
  if (withToJson.toJSON instanceof Function) return canonicalJson((withToJson.toJSON as () => unknown).call(value));
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      if (i > 0) out += ',';
      out += canonicalJson(item === undefined || typeof item === 'symbol' ? null : item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '';
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined || typeof item === 'symbol') continue;
    out += `${out.length === 0 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `{${out}}`;
}
