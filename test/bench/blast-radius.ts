import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDevStaffKey, signDevStaffToken } from '../../services/auth';
import { DEFAULT_STAFF_AUDIENCE, DEV_STAFF_ISSUER } from '../../services/config';
import { createDatabase, createPglite, migrateLatest, type Db } from '../../services/db';
import { BENCH_ADMIN, assertLoopback, type BenchContext, type BenchRow, type LoadResult, type Scenario } from './lib';

// GET /v1/incidents/{id}/blast-radius over 1,000,000 audit events bulk-seeded in SQL (the audit
// table refuses UPDATE and DELETE, so the events go into the scenario's own database). 95% are
// access decisions, 5% vendor tokens, spread over 60 days and 200 vendors; vendor 0 alone has half
// of them. Two incidents: a typical one (two vendors, ~10,000 events) and the worst case (vendor 0,
// 500,000 events). Requests run one at a time: this is the answer time for an incident call.

export const AUDIT_EVENTS = 1_000_000;
const VENDORS = 200;
const ASSETS = 20;
const FIELDS = ['name', 'phone', 'email', 'address', 'id_number', 'account_no', 'balance', 'card_no', 'branch', 'birth_date'];
const SENSITIVE = new Set(['id_number', 'account_no', 'balance', 'card_no']);
const CHUNK = 100_000;
const INCIDENT_OFFICER = 'bench-privacy-officer';

const uuidOf = (label: string) => `(overlay(overlay(md5(${label}) placing '4' from 13) placing '8' from 17))::uuid`;

/** Departments, 20 assets × 10 fields, 200 vendors, then the audit events, in chunks. */
export async function seedAuditLog(db: Db): Promise<void> {
  const at = new Date(Date.now() - 90 * 86_400_000).toISOString();
  await db.raw(
    `insert into departments (id, code, name, kind, created_at, updated_at) values
    (${uuidOf("'dept-RETAIL'")}, 'RETAIL', 'Retail banking', 'business', ?, ?), (${uuidOf("'dept-CARDS'")}, 'CARDS', 'Cards', 'business', ?, ?)`,
    [at, at, at, at],
  );
  await db.raw(
    `insert into data_assets (id, key, name, owning_department, classification, created_at, updated_at)
     select ${uuidOf("'asset-' || a")}, 'bench.asset_' || a, 'Asset ' || a, case when a % 2 = 0 then 'RETAIL' else 'CARDS' end, 3, ?, ?
       from generate_series(0, ?) a`,
    [at, at, ASSETS - 1],
  );
  await db.raw(
    `insert into data_asset_fields (id, asset_id, name, pi_category, created_at, position)
     select ${uuidOf("'field-' || a || '-' || f.n")}, ${uuidOf("'asset-' || a")}, f.name,
            case when f.name = any(?::text[]) then 'sensitive' else 'personal' end, ?, f.n
       from generate_series(0, ?) a, unnest(?::text[]) with ordinality as f(name, n)`,
    [`{${[...SENSITIVE].join(',')}}`, at, ASSETS - 1, `{${FIELDS.join(',')}}`],
  );
  await db.raw(
    `insert into vendors (id, name, contract_reference, contract_starts_at, contract_ends_at, status, status_changed_at, status_changed_by, created_at, updated_at)
     select ${uuidOf("'vendor-' || v")}, 'Bench vendor ' || v, 'C-' || v, ?, ?, 'active', ?, 'bench', ?, ?
       from generate_series(0, ?) v`,
    [at, new Date(Date.now() + 365 * 86_400_000).toISOString(), at, at, at, VENDORS - 1],
  );
  const now = Date.now();
  // After whatever the service has already logged (on PostgreSQL it is running while we seed).
  const base = Number(((await db.raw('select coalesce(max(seq), 0) as n from audit_events')) as { rows: Array<{ n: number }> }).rows[0].n);
  for (let from = 1; from <= AUDIT_EVENTS; from += CHUNK) {
    const to = Math.min(AUDIT_EVENTS, from + CHUNK - 1);
    // Half the events (by hash) belong to vendor 0, the rest spread over vendors 1-199. Every 20th is a token.
    await db.raw(
      `with e as (
         select i,
                case when abs(hashint4(i)) % 2 = 0 then 0 else 1 + abs(hashint4(i + 7919)) % ${VENDORS - 1} end as v,
                (i * 7) % ${ASSETS} as a,
                to_timestamp((?::bigint - (${AUDIT_EVENTS} - i)::bigint * 5184) / 1000.0) as at
           from generate_series(?::int, ?::int) i
       )
       insert into audit_events (seq, id, occurred_at, actor_type, actor_id, action, object_type, object_id, request_id, details, prev_hash, hash)
       select ? + i, ${uuidOf("'event-' || i")}, at, 'client', 'bench-pep',
              case when i % 20 = 0 then 'oauth.token_issued' else 'access.decided' end,
              case when i % 20 = 0 then 'access_token' else 'vendor' end,
              case when i % 20 = 0 then 'jti-' || i else ${uuidOf("'vendor-' || v")}::text end,
              null,
              case when i % 20 = 0 then jsonb_build_object(
                     'clientId', 'client-' || v, 'vendorId', ${uuidOf("'vendor-' || v")}::text,
                     'authorizationDetails', jsonb_build_array(jsonb_build_object(
                       'type', 'data_access', 'locations', jsonb_build_array('bench.asset_' || a),
                       'actions', jsonb_build_array('read'), 'datatypes', jsonb_build_array('name', 'phone'), 'purpose', 'collections')))
                   else jsonb_build_object(
                     'decisionId', ${uuidOf("'decision-' || i")}::text,
                     'decision', case when i % 7 = 0 then 'deny' else 'allow' end,
                     'asset', ${uuidOf("'asset-' || a")}::text,
                     'assetKey', 'bench.asset_' || a,
                     'action', 'read', 'purpose', 'collections',
                     'allowedFields', case when i % 7 = 0 then '[]'::jsonb
                                           else jsonb_build_array((?::text[])[1 + i % 10], (?::text[])[1 + (i + 3) % 10]) end,
                     'deniedFields', '[]'::jsonb, 'grants', '[]'::jsonb, 'matchedRules', '[]'::jsonb,
                     'records', case when i % 10 = 0 then null else 1 + i % 100 end,
                     'subjectRef', case when i % 3 = 0 then null else md5('subject-' || (i % 50000)) || md5('x' || (i % 50000)) end)
              end,
              'bench', 'bench'
         from e`,
      [now, from, to, base, `{${FIELDS.join(',')}}`, `{${FIELDS.join(',')}}`],
    );
  }
  await db.raw('analyze audit_events');
}

const vendorIdSql = (v: number) => `(overlay(overlay(md5('vendor-${v}') placing '4' from 13) placing '8' from 17))::uuid::text as id`;

async function vendorIds(db: Db, vs: number[]): Promise<string[]> {
  const out: string[] = [];
  for (const v of vs) out.push(((await db.raw(`select ${vendorIdSql(v)}`)) as { rows: Array<{ id: string }> }).rows[0].id);
  return out;
}

type Call = <T>(sub: string, method: string, pathName: string, body?: unknown) => Promise<T>;

/** Calls the service with a development staff token signed by the key in `dataDir` (where the service keeps it). */
function caller(url: string, dataDir: string): { call: Call; token: (sub: string) => Promise<string> } {
  const token = (sub: string) =>
    signDevStaffToken(loadDevStaffKey(dataDir), { sub, issuer: DEV_STAFF_ISSUER, audience: DEFAULT_STAFF_AUDIENCE, ttlSeconds: 3600 });
  const call: Call = async <T>(sub: string, method: string, pathName: string, body?: unknown) => {
    const res = await fetch(`${url}${pathName}`, {
      method,
      headers: { authorization: `Bearer ${await token(sub)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathName} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  return { call, token };
}

/**
 * Times `samples` requests one after another (after one unmeasured warm-up). Not autocannon: a
 * worst-case answer can take longer than its 10 s request timeout, and the count matters more here.
 */
async function timeSequential(label: string, url: string, headers: Record<string, string>, samples: number): Promise<LoadResult> {
  assertLoopback(url);
  const ask = async () => {
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    return res.ok;
  };
  await ask();
  const times: number[] = [];
  let non2xx = 0;
  const started = performance.now();
  for (let i = 0; i < samples; i += 1) {
    const t0 = performance.now();
    if (!(await ask())) non2xx += 1;
    times.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const pick = (q: number) => Math.round(times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]);
  return {
    label,
    requestsPerSecond: Math.round((samples / seconds) * 10) / 10,
    p50Ms: pick(0.5),
    p99Ms: pick(0.99),
    errors: 0,
    non2xx,
    requests: samples,
    durationSeconds: Math.round(seconds * 10) / 10,
  };
}

async function openIncident(call: Call, vendors: string[], title: string): Promise<string> {
  const created = await call<{ id: string }>(INCIDENT_OFFICER, 'POST', '/v1/incidents', {
    title,
    detectedAt: new Date().toISOString(),
    source: 'vendor_report',
    severity: 'critical',
    vendors,
    description: 'Benchmark incident',
  });
  return created.id;
}

export async function blastRadiusBench(bench: BenchContext): Promise<BenchRow[]> {
  const engine = bench.settings.databaseUrl ? 'PostgreSQL' : 'PGlite';
  // PGlite allows one process: seed its data directory before the service opens it.
  const ownDataDir = bench.settings.databaseUrl ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'bench-blast-'));
  let seedSeconds = 0;
  let ids: { typical: string[]; worst: string[] } = { typical: [], worst: [] };
  const seed = async (db: Db) => {
    const started = Date.now();
    await seedAuditLog(db);
    seedSeconds = Math.round((Date.now() - started) / 100) / 10;
    ids = { typical: await vendorIds(db, [1, 2]), worst: await vendorIds(db, [0]) };
    bench.log(`blast-radius: seeded ${AUDIT_EVENTS.toLocaleString('en')} audit events on ${engine} in ${seedSeconds} s`);
  };
  if (ownDataDir) {
    const db = createDatabase({ pglite: createPglite(path.join(ownDataDir, 'pglite')) });
    await migrateLatest(db)
      .then(() => seed(db))
      .finally(() => db.destroy());
  }
  const service = await bench.startService(ownDataDir ? { DATA_DIR: ownDataDir } : {});
  try {
    if (!ownDataDir) {
      const db = createDatabase({ databaseUrl: service.databaseUrl, poolMax: 2 });
      await seed(db).finally(() => db.destroy());
    }
    const { call, token } = caller(service.url, ownDataDir ?? service.dataDir);
    await call(BENCH_ADMIN, 'POST', '/v1/role-assignments', { subject: INCIDENT_OFFICER, role: 'privacy_officer', department: '*' });
    const headers = { authorization: `Bearer ${await token(INCIDENT_OFFICER)}` };
    const rows: BenchRow[] = [];
    for (const [label, vendors, samples] of [
      ['2 of 200 vendors implicated', ids.typical, 20],
      ['the vendor with half the log implicated', ids.worst, 5],
    ] as const) {
      const incident = await openIncident(call, [...vendors], label);
      const url = `${service.url}/v1/incidents/${incident}/blast-radius`;
      const sample = await call<{ totals: { decisions: number; records: number; subjects: number; tokens: number } }>(
        INCIDENT_OFFICER,
        'GET',
        `/v1/incidents/${incident}/blast-radius`,
      );
      const result = await timeSequential(`GET blast-radius, ${label} (${samples} requests, one at a time)`, url, headers, samples);
      const t = sample.totals;
      rows.push({
        scenario: 'blast-radius',
        result,
        notes:
          `${AUDIT_EVENTS.toLocaleString('en')} audit events on ${engine} (seeded in ${seedSeconds} s); in radius: ${t.decisions.toLocaleString('en')} allowing decisions, ` +
          `${t.tokens.toLocaleString('en')} tokens, ${t.subjects.toLocaleString('en')} subjects, ${t.records.toLocaleString('en')} records`,
      });
    }
    return rows;
  } finally {
    await service.stop();
    if (ownDataDir) fs.rmSync(ownDataDir, { recursive: true, force: true });
  }
}

export const blastRadiusScenario: Scenario = {
  name: 'blast-radius',
  description: 'GET /v1/incidents/{id}/blast-radius over 1,000,000 bulk-seeded audit events, one request at a time',
  run: blastRadiusBench,
};
