import crypto from 'node:crypto';
import Koa from 'koa';
import { SignJWT, generateKeyPair, type CryptoKey } from 'jose';
import { freePort, startNodeProcess, waitFor, type NodeProcess } from './lib';

// The yardstick for every ratio `npm run bench` prints: a bare Koa app on the same machine, measured
// with the same load generator in the same run. No router, no middleware, no database, no logging.
//   json: one JSON route (what any endpoint costs at the least);
//   jwt:  the same route signing an RFC 9068-shaped access token per request (what a token endpoint costs at the least).

export type BaselineKind = 'json' | 'jwt';

export const BASELINE_JWT_ALG = process.env.BASELINE_JWT_ALG ?? 'ES256';

export async function createBaselineApp(kind: BaselineKind): Promise<Koa> {
  const app = new Koa();
  if (kind === 'json') {
    app.use(async (ctx) => {
      ctx.body = { items: [{ code: 'RETAIL', name: 'Retail banking', kind: 'business' }], nextCursor: null };
    });
    return app;
  }
  const { privateKey } = (await generateKeyPair(BASELINE_JWT_ALG)) as { privateKey: CryptoKey };
  app.use(async (ctx) => {
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({
      client_id: 'bench-client',
      scope: 'data_access',
      authorization_details: [
        { type: 'data_access', asset: 'retail.customer_profile', fields: ['name', 'phone'], actions: ['read'], purpose: 'marketing' },
      ],
    })
      .setProtectedHeader({ alg: BASELINE_JWT_ALG, typ: 'at+jwt', kid: 'baseline' })
      .setIssuer('http://127.0.0.1')
      .setSubject('bench-client')
      .setAudience('http://127.0.0.1')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .setJti(crypto.randomUUID())
      .sign(privateKey);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { access_token: accessToken, token_type: 'Bearer', expires_in: 600 };
  });
  return app;
}

export interface Baseline {
  readonly url: string;
  readonly process: NodeProcess;
}

/** Starts the baseline in its own process, as the service is, so both meet the load generator the same way. */
export async function startBaseline(kind: BaselineKind): Promise<Baseline> {
  const port = await freePort();
  const proc = startNodeProcess(['test/bench/baseline.ts'], { BASELINE_KIND: kind, PORT: String(port) });
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitFor(url, 60_000, proc.child);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url, process: proc };
}

if (require.main === module) {
  const kind = (process.env.BASELINE_KIND ?? 'json') as BaselineKind;
  createBaselineApp(kind).then(
    (app) => {
      const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
      process.once('SIGTERM', () => server.close(() => process.exit(0)));
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
