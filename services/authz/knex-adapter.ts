import fs from 'node:fs';
import { BracketAwareCsvParser, PolicyLoader, type BatchAdapter, type FilteredAdapter, type IPolicyParser, type Model } from 'casbin';
import type { Db, Trx } from '../db';

export type PolicyLine = readonly string[];

export interface PolicyFilter {
  /** Only these policy types (e.g. ['g'] or ['p', 'g2']). */
  readonly ptypes?: readonly string[];
  /** Only lines whose first field (v0) is one of these, e.g. one vendor's lines. */
  readonly v0?: readonly string[];
}

interface CasbinRow {
  ptype: string;
  v0: string;
  v1: string;
  v2: string;
  v3: string;
  v4: string;
  v5: string;
  v6: string;
  v7: string;
}

const FIELDS = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'] as const;

export function toRow(ptype: string, line: PolicyLine): CasbinRow {
  if (line.length > FIELDS.length) throw new Error(`a policy line has at most ${FIELDS.length} fields`);
  const row: CasbinRow = { ptype, v0: '', v1: '', v2: '', v3: '', v4: '', v5: '', v6: '', v7: '' };
  line.forEach((value, i) => {
    row[FIELDS[i]] = value;
  });
  return row;
}

function toLine(row: CasbinRow): string[] {
  const values = FIELDS.map((f) => row[f]);
  while (values.length > 0 && values[values.length - 1] === '') values.pop();
  return values;
}

const sectionOf = (ptype: string): string => (ptype.startsWith('g') ? 'g' : 'p');

/**
 * A small typed Casbin adapter over the casbin_rule table, with filtered loading and batches.
 * Optional seed lines from a CSV file (e.g. staff role permissions kept in policies/) are loaded first.
 * Services that must write a policy line in the same transaction as their audit event use
 * `insertLines` / `deleteLines` with their transaction, then reload the enforcer after commit.
 */
/**
 * Casbin's own CSV reading of a policy line, remembered by the line's text: it builds a csv-parse parser per
 * line, and the seed file is read again on every reload (each role change), which cost a quarter of a second
 * for the staff policy.
 */
class RememberingParser implements IPolicyParser {
  private readonly inner = new BracketAwareCsvParser();
  private readonly parsed = new Map<string, string[][] | null>();
  parse(line: string): string[][] | null {
    if (!this.parsed.has(line)) this.parsed.set(line, this.inner.parse(line));
    const tokens = this.parsed.get(line) ?? null;
    return tokens && tokens.map((row) => [...row]);
  }
}
const seedLoader = new PolicyLoader(new RememberingParser());

/** The policy lines of a seed file, read on every load (an edited file is picked up by the next reload). */
function seedLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((raw) => raw.trim())
    .filter((line) => line && !line.startsWith('#'));
}

export class KnexAdapter implements FilteredAdapter, BatchAdapter {
  private filtered = false;

  constructor(
    private readonly db: Db,
    private readonly options: {
      readonly filter?: PolicyFilter;
      readonly seedFile?: string;
      /** Rewrites each stored line as it is loaded (not the seed file's lines), e.g. to namespace subjects. */
      readonly mapLine?: (ptype: string, line: string[]) => string[];
    } = {},
  ) {}

  async loadPolicy(model: Model): Promise<void> {
    this.filtered = false;
    await this.load(model, this.options.filter ?? {});
  }

  async loadFilteredPolicy(model: Model, filter: PolicyFilter): Promise<void> {
    this.filtered = true;
    await this.load(model, { ...this.options.filter, ...filter });
  }

  isFiltered(): boolean {
    return this.filtered;
  }

  private async load(model: Model, filter: PolicyFilter): Promise<void> {
    if (this.options.seedFile) for (const line of seedLines(this.options.seedFile)) seedLoader.loadPolicyLine(line, model);
    const map = this.options.mapLine ?? ((_ptype: string, line: string[]) => line);
    for (const row of await selectLines(this.db, filter)) {
      model.addPolicy(sectionOf(row.ptype), row.ptype, map(row.ptype, toLine(row)));
    }
  }

  /** Replaces every stored line of the managed policy types with the model's lines. */
  async savePolicy(model: Model): Promise<boolean> {
    const ptypes = this.options.filter?.ptypes;
    await this.db.transaction(async (trx) => {
      const del = trx('casbin_rule');
      if (ptypes) del.whereIn('ptype', [...ptypes]);
      await del.delete();
      for (const sec of ['p', 'g']) {
        const ast = model.model.get(sec);
        if (!ast) continue;
        for (const [ptype, assertion] of ast) {
          if (ptypes && !ptypes.includes(ptype)) continue;
          await insertLines(trx, ptype, assertion.policy);
        }
      }
    });
    return true;
  }

  async addPolicy(_sec: string, ptype: string, rule: string[]): Promise<void> {
    await insertLines(this.db, ptype, [rule]);
  }

  async addPolicies(_sec: string, ptype: string, rules: string[][]): Promise<void> {
    await insertLines(this.db, ptype, rules);
  }

  async removePolicy(_sec: string, ptype: string, rule: string[]): Promise<void> {
    await deleteLines(this.db, ptype, [rule]);
  }

  async removePolicies(_sec: string, ptype: string, rules: string[][]): Promise<void> {
    await deleteLines(this.db, ptype, rules);
  }

  async removeFilteredPolicy(_sec: string, ptype: string, fieldIndex: number, ...fieldValues: string[]): Promise<void> {
    const q = this.db('casbin_rule').where('ptype', ptype);
    fieldValues.forEach((value, i) => {
      if (value !== '') q.where(FIELDS[fieldIndex + i], value);
    });
    await q.delete();
  }
}

export async function selectLines(db: Db | Trx, filter: PolicyFilter): Promise<CasbinRow[]> {
  const q = db<CasbinRow>('casbin_rule')
    .select('ptype', ...FIELDS)
    .orderBy('id');
  if (filter.ptypes) q.whereIn('ptype', [...filter.ptypes]);
  if (filter.v0) q.whereIn('v0', [...filter.v0]);
  return (await q) as CasbinRow[];
}

/** Inserts policy lines, ignoring lines already present. */
export async function insertLines(db: Db | Trx, ptype: string, lines: readonly PolicyLine[]): Promise<void> {
  if (lines.length === 0) return;
  const rows = lines.map((l) => toRow(ptype, l));
  for (let i = 0; i < rows.length; i += 1000) {
    await db('casbin_rule')
      .insert(rows.slice(i, i + 1000))
      .onConflict(['ptype', ...FIELDS])
      .ignore();
  }
}

/** Deletes policy lines; returns how many existed. */
export async function deleteLines(db: Db | Trx, ptype: string, lines: readonly PolicyLine[]): Promise<number> {
  let deleted = 0;
  for (const line of lines) {
    deleted += await db('casbin_rule').where(toRow(ptype, line)).delete();
  }
  return deleted;
}
