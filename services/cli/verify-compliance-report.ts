import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet } from 'jose';
import { verifySignedReport } from '../reports/verify';

// Checks a printed compliance report against its signed form: the signature (with the service's JWKS),
// then the report id and digest printed on the page. Exit code 0 only when everything matches.
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'report-id': { type: 'string' }, digest: { type: 'string' } },
  });
  if (positionals.length !== 2) {
    console.error('usage: npx tsx services/cli/verify-compliance-report.ts SIGNED.json JWKS.json [--report-id ID] [--digest sha-256:HEX]');
    process.exit(2);
  }
  const signed = JSON.parse(fs.readFileSync(positionals[0], 'utf8')) as { jws: string };
  const jwks = JSON.parse(fs.readFileSync(positionals[1], 'utf8')) as JSONWebKeySet;
  const verified = await verifySignedReport(signed.jws, jwks);
  const mismatches = [
    values['report-id'] !== undefined && values['report-id'] !== verified.reportId
      ? `report id: printed ${values['report-id']}, signed ${verified.reportId}`
      : null,
    values.digest !== undefined && values.digest !== verified.digest ? `digest: printed ${values.digest}, signed ${verified.digest}` : null,
  ].filter((m): m is string => m !== null);
  process.stdout.write(`${JSON.stringify({ signature: 'valid', ...verified })}\n`);
  if (mismatches.length > 0) {
    console.error(`does not match the printed page:\n  ${mismatches.join('\n  ')}`);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(`signature or content invalid: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
