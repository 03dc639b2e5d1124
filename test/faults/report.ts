import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Each fault test adds one row per scenario; the suite's global teardown prints them as one table.

export const REPORT_ENV = 'FAULT_REPORT_FILE';

export interface FaultRow {
  readonly fault: string;
  readonly scenario: string;
  /** Requests sent during the scenario. */
  readonly requests: number;
  /** What was measured, in a few words with numbers. */
  readonly observed: string;
}

interface StoredRow extends FaultRow {
  readonly result: 'pass' | 'FAIL';
}

const reportFile = () => process.env[REPORT_ENV] ?? path.join(os.tmpdir(), 'fault-report.jsonl');

/** Runs the scenario's assertions and records the row with their outcome (the assertion error is rethrown). */
export async function recordFault(row: FaultRow, assertions: () => void | Promise<void>): Promise<void> {
  let result: StoredRow['result'] = 'pass';
  try {
    await assertions();
  } catch (err) {
    result = 'FAIL';
    throw err;
  } finally {
    fs.appendFileSync(reportFile(), `${JSON.stringify({ ...row, result } satisfies StoredRow)}\n`);
  }
}

export function readReport(file: string): StoredRow[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StoredRow);
}

export function formatReport(rows: readonly StoredRow[]): string {
  const cells = [
    ['fault', 'scenario', 'requests', 'observed', 'result'],
    ...rows.map((r) => [r.fault, r.scenario, String(r.requests), r.observed, r.result]),
  ];
  const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const fmt = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  const cpus = os.cpus();
  return [
    `machine: ${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`,
    fmt(cells[0]),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...cells.slice(1).map(fmt),
  ].join('\n');
}
