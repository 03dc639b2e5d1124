import fs from 'node:fs';
import { REPORT_ENV, formatReport, readReport } from './report';

/** Prints the fault suite's summary table (npm run test:faults). */
export default async function globalTeardown(): Promise<void> {
  const file = process.env[REPORT_ENV];
  if (!file) return;
  const rows = readReport(file);
  fs.rmSync(file, { force: true });
  if (rows.length > 0) process.stdout.write(`\nFault suite summary\n${formatReport(rows)}\n`);
}
