import fc from 'fast-check';
import type { Operation } from './contract';
import { ODD_STRINGS, SchemaArbitraries, nest, type Hints, type JsonSchema } from './schema-arbitrary';
import { HOME, OTHER, STAFF_ROLES, type World } from './world';

/** One generated HTTP request, with enough about how it was made to explain a failure. */
export interface FuzzRequest {
  readonly operation: Operation;
  readonly method: string;
  /** Path and query string, already encoded (or deliberately mis-encoded). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes sent, when there is a body. */
  readonly body?: string;
  /** The JSON value sent, when the body is well-formed JSON of the operation's media type. */
  readonly json?: unknown;
  readonly identity: string;
  readonly bodyKind: 'none' | 'valid' | 'invalid' | 'malformed' | 'wrong-media-type' | 'unexpected';
}

/** The identities a request may carry: a label and its Authorization header (none for anonymous). */
export type Identities = Readonly<Record<string, string | undefined>>;

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Values the world seeded, by body property or query parameter name. */
export function worldHints(world: World): Hints {
  const assetRefs = [world.assets.home.id, world.assets.home.key, world.assets.other.key, world.assets.movable.id];
  const departments = [HOME, OTHER];
  const byName: Record<string, readonly unknown[]> = {
    vendor: [world.vendorId],
    vendorId: [world.vendorId],
    vendors: [[world.vendorId]],
    asset: assetRefs,
    assets: [[world.assets.home.key], [world.assets.other.id]],
    purpose: [world.purposes.consent, world.purposes.contract],
    purposes: [[world.purposes.consent, world.purposes.contract]],
    fields: [['name', 'phone'], ['id_number'], ['phone']],
    datatypes: [['phone']],
    owningDepartment: departments,
    leadDepartment: departments,
    department: departments,
    toDepartment: departments,
    owner: departments,
    parent: departments,
    role: [...STAFF_ROLES],
    subject: [world.consentSubject, 'alice'],
    subjects: [[world.consentSubject], [world.consentSubject, 'alice', world.consentSubject]],
    noticeVersion: [1],
    channel: ['mobile-bank'],
    app: [world.apps.home.id, 'Fuzz Home Wallet'],
    grant_type: ['client_credentials'],
    client_id: [world.expendable.clients[1].clientId],
    client_secret: [world.expendable.clients[1].clientSecret],
    client_assertion_type: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'],
    // Unsigned assertions whose sub/iss/jti PostgreSQL cannot store (NUL, lone surrogate, leading BOM).
    client_assertion: ['a\u0000b', 'a\ud800', '\ufeffa'].map((id) =>
      unsignedAssertion({ sub: id, iss: id, aud: 'x', exp: 4_102_444_800, jti: id }),
    ),
    // RFC 9396 details with unstorable text escaped inside the JSON (the form value itself is clean).
    authorization_details: ['"a\\u0000b"', '"a\\ud800"', '"\\ufeffa"'].map(
      (location) => `[{"type":"data_access","locations":[${location}],"actions":["read"],"datatypes":["phone"],"purpose":"collections"}]`,
    ),
    token: [world.expendable.token, world.machine.token.slice(0, 20)],
    // Valid GB 32100-2015 codes (the check character is computed): random ones almost never are.
    unifiedSocialCreditCode: ['91350100M000100Y43', '914403001922038216'],
    objectType: ['access_grant', 'data_asset'],
    objectId: [world.grants.active.id],
  };
  return (name) => byName[name];
}

const unsignedAssertion = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

/** Seeded ids for a path parameter, by the collection the parameter sits in (`/v1/vendors/{id}` → vendors.id). */
export function pathPools(world: World): Record<string, readonly string[]> {
  return {
    'data-assets.id': [world.assets.home.id, world.assets.other.id, world.assets.movable.id],
    'vendors.id': [world.vendorId],
    'access-grants.id': [world.grants.requested.id, world.grants.active.id, world.grants.other.id],
    'notices.id': [world.noticeId],
    'apps.id': [world.apps.home.id, world.apps.other.id],
    'complaints.id': [world.complaint.id],
    'incidents.id': [world.incident.id],
    'consents.id': [world.consentId],
    'role-assignments.id': world.expendable.roleAssignmentIds.map(String),
    'clients.clientId': world.expendable.clients.map((c) => c.clientId),
    'ownership-transfers.transferId': [world.transfer.id],
    'fields.fieldName': ['name', 'phone', 'id_number'],
    'vulnerabilities.vulnerabilityId': [world.vulnerabilityId],
    'sdks.sdkId': [world.sdkId],
    // No finding is seeded: an allowed caller gets 404, which the matrix counts as allowed.
    'compliance-findings.findingId': ['00000000-0000-4000-8000-000000000000'],
    // No plan is seeded: an unknown step id answers 404 to whoever may ask.
    'steps.stepId': ['5d1f2a4e-8c3b-4e7a-9f60-2b7c1d0e3a95'],
    'rectifications.rectificationId': [world.incident.rectificationId],
    'departments.code': [HOME, OTHER],
    'purposes.key': [world.purposes.consent, world.purposes.contract],
    'notices.purposeKey': [world.purposes.consent, world.purposes.contract],
    'complaints.reference': [world.complaint.reference],
    'compliance.id': [world.complianceReportId],
    'app-plans.id': [world.appPlan.id],
    'planned-apps.itemId': [world.appPlan.itemId],
    'app-caps.code': [HOME],
    // Ids no record has: the routes answer 404 after the permission check, which is what the matrix looks at.
    'warnings.warningId': ['00000000-0000-4000-8000-00000000a001'],
    'inspection-findings.findingId': ['00000000-0000-4000-8000-00000000a002'],
    'rectification-items.itemId': ['00000000-0000-4000-8000-00000000a003'],
  };
}

/** `arbitrary` in about `percent` % of the requests, null otherwise. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 100 - percent }, { arbitrary, weight: percent });

/** Path segments that break routers and decoders: malformed percent-encoding, encoded dot segments and slashes, huge values. */
const RAW_PATH_VALUES = ['%', '%E0%A4%A', '%ZZ', '%00', '%2e%2e', '%2E', '%2F', 'a%2Fb', '%C0%AF', '%EF%BF%BF', 'x'.repeat(3000)];

/** Query values that break coercion: arrays (repeated keys), exponents, huge numbers, nested brackets. */
const RAW_QUERY_PAIRS = [
  'limit=201',
  'limit=0',
  'limit=-1',
  'limit=1e3',
  'limit=abc',
  'limit=99999999999999999999',
  'limit=1&limit=2',
  'cursor=%%%',
  'cursor=' + 'A'.repeat(300),
  'cursor=AAAA',
  'cursor=LTE',
  'cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5',
  `cursor=${Buffer.from('not-a-uuid').toString('base64url')}`,
  `cursor=${Buffer.from('2026-01-01T00:00:00Z_x').toString('base64url')}`,
  `cursor=${Buffer.from('1e309').toString('base64url')}`,
  `cursor=${Buffer.from('00000000-0000-0000-0000-000000000000').toString('base64url')}`,
  'access_token=abc',
  'a[b][c]=1',
  '__proto__[x]=1',
  'unknown=1',
  '%E0%A4%A=1',
  'status=',
  'from=2020-13-45T99:00:00Z',
  'to=0001-01-01T00:00:00Z',
];

const MALFORMED_JSON = [
  '',
  '{',
  '{"a":',
  '[1,2',
  'nul',
  '"unterminated',
  '{"a":1}garbage',
  '\ufeff{}',
  '1e999999',
  '-',
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '\u0000',
  '{"a":"\\ud800"}',
  '['.repeat(5000) + ']'.repeat(5000),
  '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
  JSON.stringify({ big: 'x'.repeat(200_000) }),
  JSON.stringify(nest(40, 'object')),
  JSON.stringify(nest(33, 'array')),
];

const WRONG_MEDIA_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json-patch+json',
  'application/JSON; charset=utf-16',
  '',
];

const ACCEPTS = ['application/json', 'text/csv', 'application/xml', '*/*', 'text/html', 'application/problem+json'];

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) goes out as the bytes
 * WTF-8 would give it: percent-encoding that does not decode to valid UTF-8.
 */
export function encodeSegment(value: string): string {
  let out = '';
  let run = '';
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      run += value.slice(i, i + 2);
      i += 1;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out +=
        encodeURIComponent(run) +
        [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
      run = '';
    } else {
      run += value[i];
    }
  }
  return out + encodeURIComponent(run);
}

function pathArbitrary(op: Operation, schemas: SchemaArbitraries, pools: Record<string, readonly string[]>): fc.Arbitrary<string> {
  const segments = op.path.split('/');
  const parts = segments.map((segment, i) => {
    const match = /^\{(\w+)\}$/.exec(segment);
    if (!match) return fc.constant(segment);
    const name = match[1];
    const param = op.parameters.find((p) => p.in === 'path' && p.name === name);
    const pool = pools[`${segments[i - 1]}.${name}`];
    const valid = schemas.valid((param?.schema ?? { type: 'string' }) as JsonSchema).map((v) => encodeSegment(String(v)));
    const options: Array<fc.WeightedArbitrary<string>> = [
      { arbitrary: valid, weight: 2 },
      { arbitrary: fc.constantFrom(...ODD_STRINGS.filter((s) => s.length > 0)).map(encodeSegment), weight: 1 },
      { arbitrary: fc.constantFrom(...RAW_PATH_VALUES), weight: 1 },
    ];
    if (pool && pool.length > 0) options.push({ arbitrary: fc.constantFrom(...pool).map(encodeSegment), weight: 8 });
    return fc.oneof(...options);
  });
  return fc.tuple(...parts).map((values) => values.join('/'));
}

function queryArbitrary(op: Operation, schemas: SchemaArbitraries, rawPairs = true): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const pairs = params.map((p) =>
    fc.option(
      fc
        .oneof(
          { arbitrary: schemas.valid(p.schema as JsonSchema, p.name), weight: 5 },
          { arbitrary: schemas.invalid(p.schema as JsonSchema), weight: 1 },
        )
        .map((value) => [p.name, typeof value === 'string' ? value : JSON.stringify(value)] as const),
      { freq: 2 },
    ),
  );
  const extra = rawPairs ? sometimes(fc.constantFrom(...RAW_QUERY_PAIRS), 15) : fc.constant(undefined);
  return fc.tuple(fc.tuple(...pairs), extra).map(([chosen, raw]) => {
    const search = new URLSearchParams();
    for (const pair of chosen) if (pair) search.append(pair[0], pair[1].slice(0, 1000));
    const encoded = [search.toString(), raw ?? ''].filter((s) => s.length > 0).join('&');
    return encoded.length > 0 ? `?${encoded}` : '';
  });
}

interface BodyChoice {
  readonly body?: string;
  readonly json?: unknown;
  readonly contentType?: string;
  readonly kind: FuzzRequest['bodyKind'];
}

function formEncode(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return String(value);
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) search.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  return search.toString();
}

function bodyArbitrary(op: Operation, schemas: SchemaArbitraries): fc.Arbitrary<BodyChoice> {
  if (!op.requestBody) {
    return fc.oneof(
      { arbitrary: fc.constant<BodyChoice>({ kind: 'none' }), weight: 9 },
      {
        arbitrary: fc
          .constantFrom(...MALFORMED_JSON.slice(0, 8), '{"unexpected":true}')
          .map<BodyChoice>((body) => ({ body, contentType: JSON_TYPE, kind: 'unexpected' })),
        weight: 1,
      },
    );
  }
  const [mediaType, schema] = Object.entries(op.requestBody)[0];
  const encode = (value: unknown) => (mediaType === FORM_TYPE ? formEncode(value) : JSON.stringify(value));
  const asSent = (value: unknown, kind: BodyChoice['kind']): BodyChoice => {
    const body = encode(value);
    // What the server will parse: for forms, the strings; for JSON, the value itself (undefined when JSON.stringify drops it).
    const json =
      mediaType === FORM_TYPE ? Object.fromEntries(new URLSearchParams(body)) : body === undefined ? undefined : JSON.parse(body);
    return { body: body ?? '', json, contentType: mediaType, kind };
  };
  const otherType = mediaType === FORM_TYPE ? JSON_TYPE : FORM_TYPE;
  return fc.oneof(
    { arbitrary: schemas.valid(schema as JsonSchema).map((v) => asSent(v, 'valid')), weight: 10 },
    { arbitrary: schemas.minimal(schema as JsonSchema).map((v) => asSent(v, 'valid')), weight: 4 },
    { arbitrary: schemas.invalid(schema as JsonSchema).map((v) => asSent(v, 'invalid')), weight: 6 },
    {
      arbitrary: fc
        .constantFrom(...MALFORMED_JSON)
        .map<BodyChoice>((body) => ({ body, contentType: mediaType === FORM_TYPE ? JSON_TYPE : mediaType, kind: 'malformed' })),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(schemas.valid(schema as JsonSchema), fc.constantFrom(...WRONG_MEDIA_TYPES, otherType))
        .map<BodyChoice>(([v, contentType]) => ({ body: JSON.stringify(v), contentType, kind: 'wrong-media-type' })),
      weight: 2,
    },
    // Form endpoints: a form that is not a form (stray percent signs, repeated keys, a nested-looking key).
    ...(mediaType === FORM_TYPE
      ? [
          {
            arbitrary: fc
              .constantFrom(
                'grant_type=client_credentials&grant_type=x',
                'token=%',
                'a[b][c][d][e][f][g]=1&token=x',
                '%%%=%%%',
                '&&&=',
                `token=${'a'.repeat(20_000)}`,
              )
              .map<BodyChoice>((body) => ({ body, contentType: FORM_TYPE, kind: 'malformed' })),
            weight: 2,
          },
        ]
      : []),
  );
}

/**
 * Header parameters the document declares (Idempotency-Key): usually absent, often a fresh or a
 * reused valid key, sometimes a value it forbids. Only bytes Node's HTTP client will put on the wire.
 */
function headerArbitrary(op: Operation, schemas: SchemaArbitraries): fc.Arbitrary<Record<string, string>> {
  const params = op.parameters.filter((p) => p.in === 'header');
  const values = params.map((p) =>
    fc.option(
      fc
        .oneof(
          { arbitrary: fc.uuid({ version: 4 }), weight: 4 },
          { arbitrary: fc.constantFrom('replayed-key-1', 'replayed-key-2'), weight: 3 },
          { arbitrary: schemas.valid(p.schema as JsonSchema).map(String), weight: 2 },
          { arbitrary: fc.constantFrom('', ' ', 'x'.repeat(256), 'caf\u00e9', 'a b', '\t'), weight: 1 },
        )
        .map((value) => [p.name, value] as const),
      { freq: 2 },
    ),
  );
  return fc.tuple(...values).map((pairs) => Object.fromEntries(pairs.filter((pair) => pair !== null)));
}

/**
 * Which identities to favour: those allowed to call the operation (so handlers run, not just the
 * 401 and 403 paths), then the kind it expects, with every other kind (and none) still tried.
 */
function identityArbitrary(op: Operation, identities: Identities, allowed: readonly string[], authorized: boolean): fc.Arbitrary<string> {
  if (authorized && allowed.length > 0) return fc.constantFrom(...allowed);
  const labels = Object.keys(identities);
  const staff = labels.filter((l) => l.startsWith('staff:'));
  const machine = labels.filter((l) => l.startsWith('client:'));
  const other = labels.filter((l) => !l.startsWith('staff:') && !l.startsWith('client:'));
  const scheme = Object.keys(op.security[0] ?? {})[0];
  // Holders of a role everywhere (and the bootstrap admin) get past authorization most often: favour them.
  const broad = staff.filter((l) => l.endsWith('@all') || l === 'staff:root-admin');
  const expected =
    scheme === 'staff'
      ? [...staff, ...broad, ...broad]
      : scheme === 'client'
        ? machine
        : op.path.startsWith('/oauth/')
          ? labels.filter((l) => l.startsWith('basic:'))
          : ['anonymous'];
  return fc.oneof(
    ...(allowed.length > 0 ? [{ arbitrary: fc.constantFrom(...allowed), weight: 10 }] : []),
    { arbitrary: fc.constantFrom(...expected), weight: 4 },
    { arbitrary: fc.constantFrom(...labels), weight: 2 },
    { arbitrary: fc.constantFrom(...other), weight: 1 },
  );
}

/**
 * Requests for one operation: its path, query, body, media type and identity varied independently.
 * `allowed` names the identities that hold the operation's permission everywhere; with `authorized`, every request is
 * sent as one of them, its token only in the Authorization header (no raw query pair such as `access_token=`), so that
 * at least one request of each operation gets past the door whatever the seed draws.
 */
export function requestArbitrary(
  op: Operation,
  schemas: SchemaArbitraries,
  world: World,
  identities: Identities,
  allowed: readonly string[] = [],
  authorized = false,
): fc.Arbitrary<FuzzRequest> {
  const pools = pathPools(world);
  const nastyHeader = sometimes(
    fc.constantFrom<Record<string, string>>(
      { 'X-Request-Id': '../../etc' },
      { 'X-Request-Id': 'x'.repeat(500) },
      { 'If-None-Match': '*' },
      { 'If-None-Match': `"${world.purposes.consent}.1", W/"x"` },
      { 'X-Forwarded-For': '10.0.0.1, 127.0.0.1' },
      { 'Content-Encoding': 'gzip' },
      { 'Accept-Charset': 'utf-7' },
    ),
    15,
  );
  return fc
    .record({
      path: pathArbitrary(op, schemas, pools),
      query: queryArbitrary(op, schemas, !authorized),
      body: bodyArbitrary(op, schemas),
      identity: identityArbitrary(op, identities, allowed, authorized),
      accept: sometimes(fc.constantFrom(...ACCEPTS), 25),
      extra: nastyHeader,
      declared: headerArbitrary(op, schemas),
    })
    .map(({ path, query, body, identity, accept, extra, declared }) => {
      const headers: Record<string, string> = { ...(extra ?? {}), ...declared };
      const authorization = identities[identity];
      if (authorization !== undefined) headers.Authorization = authorization;
      if (accept) headers.Accept = accept;
      if (body.contentType !== undefined && body.contentType !== '') headers['Content-Type'] = body.contentType;
      // Content-Encoding only makes sense with a body; without one it is just an odd header.
      if (body.body === undefined) delete headers['Content-Encoding'];
      return {
        operation: op,
        method: op.method,
        url: `${path}${query}`,
        headers,
        body: body.body,
        json: body.json,
        identity,
        bodyKind: body.kind,
      };
    });
}
