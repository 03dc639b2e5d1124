import { parseArgs } from 'node:util';
import { loadDevStaffKey, signDevStaffToken } from '../auth';
import { loadConfig } from '../config';

// Development only: prints a staff token signed by the local key that the service trusts without STAFF_JWKS_URL.
function main(): Promise<void> {
  const { values } = parseArgs({
    options: { sub: { type: 'string' }, ttl: { type: 'string', default: '3600' } },
  });
  const config = loadConfig();
  if (config.staff.jwksUrl !== undefined || config.production) {
    console.error('staff-token works only in development mode (without STAFF_JWKS_URL and NODE_ENV=production).');
    process.exit(2);
  }
  if (!values.sub) {
    console.error('usage: npm run staff-token -- --sub alice [--ttl 3600]');
    process.exit(2);
  }
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 43200) {
    console.error(
      '--ttl must be whole seconds from 60 to 43200 (the service refuses staff tokens living longer than STAFF_TOKEN_MAX_LIFETIME_S, 12 hours by default)',
    );
    process.exit(2);
  }
  const key = loadDevStaffKey(config.dataDir);
  return signDevStaffToken(key, { sub: values.sub, issuer: config.staff.issuer, audience: config.staff.audience, ttlSeconds: ttl }).then(
    (token) => {
      process.stdout.write(`${token}\n`);
    },
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
