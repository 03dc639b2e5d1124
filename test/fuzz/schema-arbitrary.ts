import fc from 'fast-check';

/** A JSON Schema (2020-12, as OpenAPI 3.1 writes it), read loosely: the document is data, not types. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** Values the world seeded, offered for a property or parameter of that name (ids, keys, department codes…). */
export type Hints = (name: string) => readonly unknown[] | undefined;

const MAX_DEPTH = 6;
const asSchema = (value: unknown): JsonSchema => (value !== null && typeof value === 'object' ? (value as JsonSchema) : {});
const asSchemas = (value: unknown): JsonSchema[] => (Array.isArray(value) ? value.map(asSchema) : []);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** Strings people and attackers send: scripts, SQL, control characters, lone surrogates, right-to-left marks, CJK, emoji. */
export const ODD_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ufeffBOM',
  '𝕏💣👩‍👩‍👧‍👦',
  '中文字段名称',
  "'; drop table audit_events; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1:9/x}',
  '../../../../etc/passwd',
  '%00%ff%',
  '\\u0000',
  'NaN',
  '-0',
  '1e309',
  'true',
  'null',
  '__proto__',
  'constructor',
  '*',
  '\r\n\r\nX-Injected: 1',
];

/** Keys that must never reach a prototype or be treated as data. */
export const NASTY_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'unknownField', '', '$where', 'a.b', '💥'];

/**
 * fast-check arbitraries for the values a JSON Schema describes (`valid`) and for values that break
 * it (`invalid`). `$ref`s resolve inside the OpenAPI document; `format: uri` only ever names the
 * loopback discard port, so nothing the server might fetch leaves this machine.
 */
export class SchemaArbitraries {
  constructor(
    private readonly document: JsonSchema,
    private readonly hints: Hints = () => undefined,
  ) {}

  /** Follows `$ref` and folds `allOf` into one schema (the document uses allOf only to add descriptions or defaults). */
  resolve(input: JsonSchema): JsonSchema {
    let schema = input;
    for (let hops = 0; typeof schema.$ref === 'string' && hops < 20; hops += 1) {
      const { $ref, ...rest } = schema;
      schema = { ...this.pointer($ref as string), ...rest };
    }
    if (Array.isArray(schema.allOf)) {
      const { allOf, ...rest } = schema;
      return asSchemas(allOf)
        .map((part) => this.resolve(part))
        .reduce<JsonSchema>((merged, part) => mergeSchemas(merged, part), rest);
    }
    return schema;
  }

  private pointer(ref: string): JsonSchema {
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    let node: unknown = this.document;
    for (const raw of ref.slice(2).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = (node as Record<string, unknown>)[key];
    }
    return asSchema(node);
  }

  /** Like `valid`, with only the required properties at the top level (the fewest chances to break a cross-field rule). */
  minimal(input: JsonSchema): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    const properties = asSchema(schema.properties);
    if (Object.keys(properties).length === 0) return this.valid(schema);
    return this.valid({ ...schema, properties: Object.fromEntries(Object.entries(properties).filter(([key]) => required.includes(key))) });
  }

  /** Values the schema accepts (as far as a JSON Schema can say: cross-field rules are the server's business). */
  valid(input: JsonSchema, name?: string, depth = 0): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    const base = this.validUnhinted(schema, depth);
    // A seeded value is offered only where it fits (a property called `fields` may hold names or objects).
    const hinted = name !== undefined ? this.hints(name)?.filter((value) => this.fits(schema, value)) : undefined;
    if (!hinted || hinted.length === 0) return base;
    return fc.oneof({ arbitrary: fc.constantFrom(...hinted), weight: 3 }, { arbitrary: base, weight: 1 });
  }

  /** A rough structural check (types, enums, patterns, uuids): enough to keep seeded values where they belong. */
  fits(input: JsonSchema, value: unknown): boolean {
    const schema = this.resolve(input);
    if (Array.isArray(schema.enum)) return schema.enum.includes(value);
    const choices = asSchemas(schema.anyOf ?? schema.oneOf);
    if (choices.length > 0) return choices.some((choice) => this.fits(choice, value));
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
    if (types.length === 0) return true;
    return types.some((type) => {
      switch (type) {
        case 'string':
          return (
            typeof value === 'string' &&
            (typeof schema.pattern !== 'string' || new RegExp(schema.pattern).test(value)) &&
            (schema.format !== 'uuid' || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value))
          );
        case 'integer':
          return Number.isInteger(value);
        case 'number':
          return typeof value === 'number';
        case 'boolean':
          return typeof value === 'boolean';
        case 'null':
          return value === null;
        case 'array':
          return Array.isArray(value) && value.every((item) => this.fits(asSchema(schema.items), item));
        case 'object':
          return value !== null && typeof value === 'object' && !Array.isArray(value);
        default:
          return true;
      }
    });
  }

  private validUnhinted(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    if ('const' in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    const choices = asSchemas(schema.anyOf ?? schema.oneOf);
    if (choices.length > 0) {
      const { anyOf: _a, oneOf: _o, ...rest } = schema;
      return fc.oneof(...choices.map((choice) => this.valid(mergeSchemas(rest, this.resolve(choice)), undefined, depth)));
    }
    const type = schema.type;
    if (Array.isArray(type)) {
      const types = type.filter((t) => t !== 'null');
      const nonNull = types.map((t) => this.validUnhinted({ ...schema, type: t }, depth));
      return type.includes('null')
        ? fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, ...nonNull.map((arbitrary) => ({ arbitrary, weight: 3 })))
        : fc.oneof(...nonNull);
    }
    switch (type) {
      case 'string':
        return this.validString(schema);
      case 'integer':
        return validInteger(schema);
      case 'number':
        return validNumber(schema);
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return this.validArray(schema, depth);
      case 'object':
        return this.validObject(schema, depth);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private validString(schema: JsonSchema): fc.Arbitrary<string> {
    const minLength = num(schema.minLength) ?? 0;
    const maxLength = num(schema.maxLength) ?? 10_000;
    const fits = (s: string) => s.length >= minLength && s.length <= maxLength;
    switch (schema.format) {
      case 'uuid':
        return fc.uuid({ version: 4 });
      case 'date-time':
        return instant().map((d) => d.toISOString());
      case 'date':
        return instant().map((d) => d.toISOString().slice(0, 10));
      case 'email':
        // Mostly addresses every validator takes; some of the odd ones RFC 5322 allows.
        return fc.oneof(
          { arbitrary: fc.constantFrom('privacy@bank.example', 'dpo.office@vendor.example', 'a@b.example'), weight: 3 },
          {
            arbitrary: fc.constantFrom(
              ...cached(`email:${minLength}:${maxLength}`, () => fc.sample(fc.emailAddress().filter(fits), { seed: 1, numRuns: 100 })),
            ),
            weight: 1,
          },
        );
      case 'uri':
        // The discard port of the loopback address: anything the server fetches fails at once, here.
        return fc.constantFrom('https://127.0.0.1:9/jwks.json', 'http://127.0.0.1:9/x', 'https://localhost:9/complaints').filter(fits);
      default:
        break;
    }
    if (typeof schema.pattern === 'string') return fc.constantFrom(...matching(schema.pattern, minLength, maxLength));
    const bounded = Math.min(maxLength, minLength + 40);
    return fc
      .oneof(
        { arbitrary: fc.string({ minLength, maxLength: bounded, unit: 'grapheme-ascii' }), weight: 4 },
        { arbitrary: fc.string({ minLength, maxLength: bounded, unit: 'grapheme' }), weight: 1 },
        { arbitrary: fc.constantFrom(...ODD_STRINGS), weight: 1 },
      )
      .filter(fits);
  }

  private validArray(schema: JsonSchema, depth: number): fc.Arbitrary<unknown[]> {
    const minLength = num(schema.minItems) ?? 0;
    const maxLength = Math.min(num(schema.maxItems) ?? 4, minLength + 3);
    if (depth >= MAX_DEPTH) return fc.constant([]);
    const items = this.valid(asSchema(schema.items), undefined, depth + 1);
    return fc.array(items, { minLength, maxLength });
  }

  private validObject(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const properties = Object.entries(asSchema(schema.properties));
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    if (properties.length === 0) {
      if (schema.additionalProperties === false || depth >= MAX_DEPTH) return fc.constant({});
      const values =
        typeof schema.additionalProperties === 'object'
          ? this.valid(asSchema(schema.additionalProperties), undefined, depth + 1)
          : fc.jsonValue({ maxDepth: 2 });
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), values, { maxKeys: 4 }) as fc.Arbitrary<Record<string, unknown>>;
    }
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, property] of properties) model[key] = this.valid(asSchema(property), key, depth + 1);
    return fc.record(model, { requiredKeys: required.filter((key) => key in model) }) as fc.Arbitrary<Record<string, unknown>>;
  }

  /** Values that break the schema: the wrong type, a missing required property, an unknown one, a value out of range. */
  invalid(input: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    const options: fc.Arbitrary<unknown>[] = [wrongType(schema), hostile()];
    const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
    if (type === 'object' || schema.properties) options.push(this.brokenObject(schema, depth));
    if (type === 'string') options.push(brokenString(schema));
    if (type === 'integer' || type === 'number') options.push(brokenNumber(schema));
    if (type === 'array' && depth < MAX_DEPTH) {
      const item = asSchema(schema.items);
      options.push(fc.array(this.invalid(item, depth + 1), { minLength: 1, maxLength: 3 }));
      if (typeof schema.maxItems === 'number') {
        const over = Math.min((schema.maxItems as number) + 1, 300);
        options.push(this.valid(item, undefined, depth + 1).map((v) => Array.from({ length: over }, () => v)));
      }
      if (typeof schema.minItems === 'number' && schema.minItems > 0) options.push(fc.constant([]));
    }
    return fc.oneof(...options);
  }

  private brokenObject(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    const properties = Object.entries(asSchema(schema.properties));
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    const valid = this.validObject(schema, depth);
    const options: fc.Arbitrary<unknown>[] = [
      // An unknown property (strict objects refuse them), including keys aimed at prototypes.
      fc.tuple(valid, fc.constantFrom(...NASTY_KEYS), fc.jsonValue({ maxDepth: 2 })).map(([obj, key, value]) => withKey(obj, key, value)),
    ];
    if (required.length > 0) {
      options.push(fc.tuple(valid, fc.constantFrom(...required)).map(([obj, key]) => omit(obj, key)));
    }
    if (properties.length > 0 && depth < MAX_DEPTH) {
      const broken = properties.map(([key, property]) =>
        fc.tuple(valid, this.invalid(asSchema(property), depth + 1)).map(([obj, value]) => withKey(obj, key, value)),
      );
      options.push(fc.oneof(...broken));
    }
    return fc.oneof(...options);
  }
}

const pools = new Map<string, string[]>();
function cached(key: string, make: () => string[]): string[] {
  let pool = pools.get(key);
  if (!pool) {
    pool = make();
    pools.set(key, pool);
  }
  return pool;
}

/**
 * Strings matching a pattern, drawn once per pattern and length bounds: fc.stringMatching costs
 * about half a millisecond a string, and a request body holds many.
 */
function matching(pattern: string, minLength: number, maxLength: number): string[] {
  return cached(`${pattern}:${minLength}:${maxLength}`, () => {
    const strings = fc.sample(
      fc.stringMatching(new RegExp(pattern)).filter((s) => s.length >= minLength && s.length <= maxLength),
      { seed: 1, numRuns: 200 },
    );
    return [...new Set(strings)];
  });
}

function mergeSchemas(a: JsonSchema, b: JsonSchema): JsonSchema {
  const properties = { ...asSchema(a.properties), ...asSchema(b.properties) };
  const required = [...(Array.isArray(a.required) ? a.required : []), ...(Array.isArray(b.required) ? b.required : [])];
  return {
    ...a,
    ...b,
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
    ...(required.length > 0 ? { required } : {}),
  };
}

/** Instants around now (business rules care about past and future) and far from it. */
function instant(): fc.Arbitrary<Date> {
  const now = Date.now();
  const DAY = 86_400_000;
  return fc.oneof(
    fc.integer({ min: -400, max: 400 }).map((days) => new Date(now + days * DAY)),
    fc.integer({ min: -3_600_000, max: 3_600_000 }).map((ms) => new Date(now + ms)),
    fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }),
  );
}

function validInteger(schema: JsonSchema): fc.Arbitrary<number> {
  let min = num(schema.minimum) ?? -1_000_000;
  let max = num(schema.maximum) ?? 1_000_000;
  const exclusiveMin = num(schema.exclusiveMinimum);
  const exclusiveMax = num(schema.exclusiveMaximum);
  if (exclusiveMin !== undefined) min = Math.max(min, Math.floor(exclusiveMin) + 1);
  if (exclusiveMax !== undefined) max = Math.min(max, Math.ceil(exclusiveMax) - 1);
  min = Math.max(min, Number.MIN_SAFE_INTEGER);
  max = Math.min(max, Number.MAX_SAFE_INTEGER);
  const int32 = (lo: number, hi: number) =>
    lo >= -(2 ** 31) && hi < 2 ** 31 ? fc.integer({ min: lo, max: hi }) : fc.bigInt({ min: BigInt(lo), max: BigInt(hi) }).map(Number);
  return fc.oneof(int32(min, Math.min(max, min + 100)), fc.constantFrom(min, max), int32(min, max));
}

function validNumber(schema: JsonSchema): fc.Arbitrary<number> {
  const min = num(schema.minimum) ?? -1e9;
  const max = num(schema.maximum) ?? 1e9;
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n));
}

/** A value of another JSON type than the schema's. */
function wrongType(schema: JsonSchema): fc.Arbitrary<unknown> {
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  const all: Array<[string, fc.Arbitrary<unknown>]> = [
    ['string', fc.constantFrom('x', '12', 'true', '')],
    ['integer', fc.constantFrom(0, -1, 7, 2 ** 53)],
    ['number', fc.constantFrom(0.5, -1e308, 1e308)],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.constantFrom([], [1, 'a'], [[]])],
    ['object', fc.constantFrom({}, { a: 1 }, { __proto__: null, constructor: 'x' })],
  ];
  const others = all.filter(
    ([type]) =>
      !types.includes(type) && !(type === 'integer' && types.includes('number')) && !(type === 'number' && types.includes('integer')),
  );
  return fc.oneof(...others.map(([, arbitrary]) => arbitrary));
}

function brokenString(schema: JsonSchema): fc.Arbitrary<string> {
  const maxLength = num(schema.maxLength);
  const options: fc.Arbitrary<string>[] = [fc.constantFrom(...ODD_STRINGS), fc.string({ unit: 'binary', maxLength: 20 })];
  if (maxLength !== undefined) options.push(fc.constantFrom('x'.repeat(maxLength + 1), '字'.repeat(maxLength + 1)));
  if (num(schema.minLength)) options.push(fc.constant(''));
  if (schema.format || schema.pattern || schema.enum) options.push(fc.constantFrom('not-a-match', 'ZZZ', '0000', ' RETAIL', 'retail'));
  return fc.oneof(...options);
}

function brokenNumber(schema: JsonSchema): fc.Arbitrary<number | string> {
  const options: Array<number | string> = [0.5, -1, 1e308, -1e308, 2 ** 63, '1', 'NaN'];
  const min = num(schema.minimum);
  const max = num(schema.maximum);
  if (min !== undefined) options.push(min - 1);
  if (max !== undefined) options.push(max + 1);
  return fc.constantFrom(...options);
}

/** Deep nesting, huge strings and the like: what a parser or a recursive walker chokes on. */
const HOSTILE_VALUES: readonly unknown[] = [
  nest(33, 'object'),
  nest(200, 'object'),
  nest(33, 'array'),
  nest(1_000, 'array'),
  'x'.repeat(70_000),
  '😀'.repeat(20_000),
  Array.from({ length: 5_000 }, (_, i) => i),
  Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, i])),
];

export function hostile(): fc.Arbitrary<unknown> {
  return fc.constantFrom(...HOSTILE_VALUES);
}

export function nest(depth: number, kind: 'object' | 'array'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = kind === 'object' ? { a: value } : [value];
  return value;
}

function withKey(obj: unknown, key: string, value: unknown): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return obj;
  // defineProperty: an own "__proto__" key, as JSON.parse would make it, not a prototype change.
  const copy: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

function omit(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return obj;
  const copy: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  delete copy[key];
  return copy;
}
