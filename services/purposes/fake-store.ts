import { uniqueViolation } from '../shared/errors';
import type { Purpose, PurposeStatus } from './schemas';
import type { PurposeFilter, PurposeStoreType } from './store-type';

/** A grant as far as purposes see it: whether it still rests on its purpose. */
export interface FakeDependentGrant {
  readonly id: string;
  readonly purposeKey: string;
  readonly status: string;
  readonly validUntil: string;
}

/** Purposes in memory, for fast tests of the service's rules. */
export class FakePurposeStore implements PurposeStoreType {
  private readonly byKey = new Map<string, Purpose>();
  /** Grants that rest on purposes (set by the test). */
  readonly grants: FakeDependentGrant[] = [];

  async findByKey(key: string): Promise<Purpose | undefined> {
    return this.byKey.get(key);
  }

  lockByKey(_trx: unknown, key: string): Promise<Purpose | undefined> {
    return this.findByKey(key);
  }

  async lockStatuses(_trx: unknown, keys: readonly string[]): Promise<Map<string, PurposeStatus>> {
    return new Map(keys.flatMap((k) => (this.byKey.has(k) ? [[k, this.byKey.get(k)!.status] as const] : [])));
  }

  async grantsDependingOn(_trx: unknown, key: string, now: string): Promise<string[]> {
    return this.grants
      .filter((g) => g.purposeKey === key && g.status === 'approved' && g.validUntil > now)
      .map((g) => g.id)
      .sort();
  }

  async list(filter: PurposeFilter, limit: number): Promise<Purpose[]> {
    return [...this.byKey.values()]
      .filter((p) => (!filter.legalBasis || p.legalBasis === filter.legalBasis) && (!filter.status || p.status === filter.status))
      .filter((p) => !filter.afterKey || p.key > filter.afterKey)
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .slice(0, limit);
  }

  async insert(_trx: unknown, purpose: Purpose): Promise<void> {
    if (this.byKey.has(purpose.key)) throw uniqueViolation();
    this.byKey.set(purpose.key, purpose);
  }

  async update(_trx: unknown, purpose: Purpose): Promise<void> {
    this.byKey.set(purpose.key, purpose);
  }
}
