import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { loadDevStaffKey, signDevStaffToken } from '../../services/auth';
import { DEFAULT_STAFF_AUDIENCE, DEV_STAFF_ISSUER } from '../../services/config';
import { ROOT, freePort, waitFor } from '../bench/lib';
import { builtScript } from './service-build';

// The service as separate processes (node on the compiled sources, test/helpers/service-build.ts), for
// replicas and faults: several processes on one database share a DATA_DIR (the development staff key)
// and the keys from sharedSecrets(), and one PUBLIC_URL so a token from one is valid on another.

export const PROCESS_ADMIN = 'process-admin';

export interface SharedSecrets {
  readonly SUBJECT_ID_KEY: string;
  readonly KEY_ENCRYPTION_KEY: string;
  readonly AUDIT_CHECKPOINT_KEY: string;
  readonly PUBLIC_URL: string;
}

export function sharedSecrets(): SharedSecrets {
  return {
    SUBJECT_ID_KEY: crypto.randomBytes(32).toString('base64'),
    KEY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    AUDIT_CHECKPOINT_KEY: crypto.randomBytes(32).toString('base64'),
    PUBLIC_URL: 'http://governance.test',
  };
}

export interface ServiceProcessOptions {
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly secrets: SharedSecrets;
  readonly env?: Readonly<Record<string, string>>;
  /** Reuse a port (a restarted process takes its predecessor's place). */
  readonly port?: number;
}

export interface HttpAnswer {
  readonly status: number;
  readonly type: string;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

export interface CallOptions {
  /** A staff subject (a development token is signed for it) or a bearer token. */
  readonly as?: { staff: string } | { bearer: string } | { basic: [string, string] };
  readonly body?: unknown;
  readonly form?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

export interface ServiceProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Lines the process wrote to stdout (pino JSON), newest last, at most the last 20,000. */
  readonly logLines: string[];
  call(method: string, path: string, options?: CallOptions): Promise<HttpAnswer>;
  /** SIGTERM and wait (SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** SIGKILL now and wait for the exit. */
  kill(): Promise<void>;
}

const staffTokens = new Map<string, { token: string; until: number }>();

async function staffToken(dataDir: string, sub: string): Promise<string> {
  const cacheKey = `${dataDir}\n${sub}`;
  const cached = staffTokens.get(cacheKey);
  if (cached && cached.until > Date.now()) return cached.token;
  const token = await signDevStaffToken(loadDevStaffKey(dataDir), {
    sub,
    issuer: DEV_STAFF_ISSUER,
    audience: DEFAULT_STAFF_AUDIENCE,
    ttlSeconds: 3600,
  });
  staffTokens.set(cacheKey, { token, until: Date.now() + 3_000_000 });
  return token;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts the service in development mode and waits for /readyz. */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [builtScript('services/server.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      DATA_DIR: options.dataDir,
      DATABASE_URL: options.databaseUrl,
      BOOTSTRAP_ADMIN_SUBJECTS: PROCESS_ADMIN,
      LOG_LEVEL: 'info',
      // On the embedded database (databaseUrl ''), a quicker start (services/db.ts); no effect on PostgreSQL.
      PGLITE_SHARED_BUFFERS: '16MB',
      ...options.secrets,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  const logLines: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    logLines.push(...lines.filter(Boolean));
    if (logLines.length > 20_000) logLines.splice(0, logLines.length - 20_000);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const terminate = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(`${url}/readyz`, 180_000, child);
  } catch (err) {
    await terminate('SIGKILL');
    throw err;
  }
  return {
    url,
    port,
    pid: child.pid ?? 0,
    child,
    logLines,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.as && 'staff' in o.as) headers.authorization = `Bearer ${await staffToken(options.dataDir, o.as.staff)}`;
      if (o.as && 'bearer' in o.as) headers.authorization = `Bearer ${o.as.bearer}`;
      if (o.as && 'basic' in o.as) {
        const [id, secret] = o.as.basic;
        headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
      }
      let payload: string | undefined;
      if (o.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(o.form).toString();
      } else if (o.body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(o.body);
      }
      const res = await fetch(`${url}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
      const text = await res.text();
      let body: Record<string, unknown>;
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = { text };
      }
      return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0], headers: res.headers, body };
    },
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
  };
}

/** Calls until `accept` says yes (polling as fast as the service answers); the milliseconds it took. */
export async function until(attempt: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await attempt()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A plain-text table (first row: header). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  return [fmt(rows[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(fmt)].join('\n');
}

/** Throws with the problem body unless the answer has the status. */
export function expectStatus(answer: HttpAnswer, status: number, what: string): HttpAnswer {
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

const DAY = 86_400_000;

/** A vendor with an asset, a purpose, an enforcement point's client and its token, set up through one process's API. */
export interface Bank {
  readonly vendorId: string;
  readonly assetKey: string;
  readonly pep: { readonly clientId: string; readonly clientSecret: string };
  readonly pepToken: string;
  readonly decision: { vendor: string; asset: string; fields: string[]; action: string; purpose: string };
  /** Set up with `consents`: an app back end's client and its token, and the published notice version. */
  readonly collectorToken?: string;
  readonly noticeVersion?: number;
}

/** Staff who set the bank up: a vendor manager, a data owner of RETAIL, a privacy officer. */
export const STAFF = { vendorManager: 'vic', dataOwner: 'olivia', privacyOfficer: 'pat' } as const;
export const CONSENT_PURPOSE = 'card_offers';

export async function registerClient(
  a: ServiceProcess,
  roles: string[],
  scopes: string[] = [],
): Promise<{ clientId: string; clientSecret: string }> {
  const client = expectStatus(
    await a.call('POST', '/v1/clients', {
      as: { staff: PROCESS_ADMIN },
      body: { name: `client ${roles.join(' ')}`, roles, scopes, tokenEndpointAuthMethod: 'client_secret_basic' },
    }),
    201,
    'register client',
  ).body as { clientId: string; clientSecret: string };
  return { clientId: client.clientId, clientSecret: client.clientSecret };
}

export async function clientToken(a: ServiceProcess, client: { clientId: string; clientSecret: string }): Promise<string> {
  const res = expectStatus(
    await a.call('POST', '/oauth/token', {
      as: { basic: [client.clientId, client.clientSecret] },
      form: { grant_type: 'client_credentials' },
    }),
    200,
    'token',
  );
  return String(res.body.access_token);
}

export async function setUpBank(a: ServiceProcess, options: { consents?: boolean } = {}): Promise<Bank> {
  const admin = { staff: PROCESS_ADMIN };
  expectStatus(
    await a.call('POST', '/v1/departments', { as: admin, body: { code: 'RETAIL', name: 'Retail banking', kind: 'business' } }),
    201,
    'department',
  );
  for (const [subject, role, department] of [
    [STAFF.vendorManager, 'vendor_manager', '*'],
    [STAFF.dataOwner, 'data_owner', 'RETAIL'],
    [STAFF.privacyOfficer, 'privacy_officer', '*'],
  ]) {
    expectStatus(await a.call('POST', '/v1/role-assignments', { as: admin, body: { subject, role, department } }), 201, `role ${role}`);
  }
  const officer = { staff: STAFF.privacyOfficer };
  expectStatus(
    await a.call('POST', '/v1/purposes', {
      as: officer,
      body: { key: 'collections', description: 'Overdue card collections', legalBasis: 'contract', retentionDays: 365 },
    }),
    201,
    'purpose',
  );
  const vendor = expectStatus(
    await a.call('POST', '/v1/vendors', {
      as: { staff: STAFF.vendorManager },
      body: {
        name: 'Collections Vendor Ltd',
        contacts: [{ name: 'Account manager', email: 'am@vendor.example' }],
        contract: {
          reference: 'C-1',
          startsAt: new Date(Date.now() - DAY).toISOString(),
          endsAt: new Date(Date.now() + 400 * DAY).toISOString(),
          purposes: ['collections'],
        },
        // Grant approval needs a passed security assessment from the last 12 months.
        securityAssessment: { assessedAt: new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10), result: 'pass' },
      },
    }),
    201,
    'vendor',
  );
  const assetKey = 'retail.customer_profile';
  expectStatus(
    await a.call('POST', '/v1/data-assets', {
      as: { staff: STAFF.dataOwner },
      body: {
        key: assetKey,
        name: 'Customer profile',
        owningDepartment: 'RETAIL',
        classification: 3,
        fields: [
          { name: 'name', piCategory: 'personal' },
          { name: 'phone', piCategory: 'personal' },
        ],
      },
    }),
    201,
    'asset',
  );
  const pep = await registerClient(a, ['pep'], ['decisions']);
  const vendorId = String(vendor.body.id);
  const bank: Bank = {
    vendorId,
    assetKey,
    pep,
    pepToken: await clientToken(a, pep),
    decision: { vendor: vendorId, asset: assetKey, fields: ['phone'], action: 'read', purpose: 'collections' },
  };
  if (!options.consents) return bank;
  expectStatus(
    await a.call('POST', '/v1/purposes', {
      as: officer,
      body: { key: CONSENT_PURPOSE, description: 'Card offers', legalBasis: 'consent', retentionDays: 365 },
    }),
    201,
    'consent purpose',
  );
  const draft = expectStatus(
    await a.call('POST', '/v1/notices', {
      as: officer,
      body: {
        purpose: CONSENT_PURPOSE,
        title: 'Card offers',
        body: 'We use your name and mobile number to tell you about cards that suit you.',
        controller: {
          name: 'Example Bank Co., Ltd.',
          contact: 'Personal Information Protection Office',
          email: 'privacy@bank.example',
          phone: '+86 755 8888 0000',
        },
        piCategories: ['name', 'mobile phone number'],
        sensitivePiCategories: [],
        rights: {
          access: 'App › Privacy',
          copy: 'App › Privacy › Export',
          correct: 'App › Profile',
          delete: 'Call 95555',
          withdraw: 'App › Privacy › Consents',
        },
        complaintChannel: { phone: '95555' },
      },
    }),
    201,
    'notice',
  );
  const published = expectStatus(await a.call('POST', `/v1/notices/${String(draft.body.id)}/publish`, { as: officer }), 200, 'publish');
  const collector = await registerClient(a, ['consent_collector']);
  return { ...bank, collectorToken: await clientToken(a, collector), noticeVersion: Number(published.body.version) };
}

/** Requests a grant of `phone` as the vendor manager; the grant id. */
export async function requestGrant(a: ServiceProcess, bank: Bank): Promise<string> {
  const requested = expectStatus(
    await a.call('POST', '/v1/access-grants', {
      as: { staff: STAFF.vendorManager },
      body: {
        vendor: bank.vendorId,
        asset: bank.assetKey,
        fields: ['phone'],
        actions: ['read'],
        purpose: 'collections',
        validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
        justification: 'Calls about overdue cards',
      },
    }),
    201,
    'grant request',
  );
  return String(requested.body.id);
}

/** Requests a grant of `phone` as the vendor manager and approves it as the data owner; the grant id. */
export async function approvedGrant(a: ServiceProcess, bank: Bank): Promise<string> {
  const id = await requestGrant(a, bank);
  expectStatus(
    await a.call('POST', `/v1/access-grants/${id}/approve`, { as: { staff: STAFF.dataOwner }, body: {} }),
    200,
    'grant approval',
  );
  return id;
}

export async function decide(p: ServiceProcess, bank: Bank, token = bank.pepToken): Promise<HttpAnswer> {
  return p.call('POST', '/v1/decisions', { as: { bearer: token }, body: bank.decision });
}
