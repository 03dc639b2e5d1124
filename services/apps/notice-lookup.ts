import type { Db } from '../db';
import type { Logger } from '../logger';
import type { PublishedNoticeLookup } from './release-gate';

/**
 * The default notice lookup until the notices feature provides its own: reads a `notices` table
 * with `purpose_key` and `published_at` (and, when present, `app_id`: a notice for one app, or
 * null for every app). Without that table or those columns it answers false, so no app that
 * processes data on the basis of consent is released before a notice is published.
 */
export class TableNoticeLookup implements PublishedNoticeLookup {
  private warned = false;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async hasPublishedNotice(purposeKey: string, appId?: string): Promise<boolean> {
    // Checked on every call: the notices table may arrive with a later migration while this process runs.
    const columns = new Set(
      (await this.db('information_schema.columns')
        .whereRaw('table_schema = current_schema()')
        .where('table_name', 'notices')
        .pluck('column_name')) as string[],
    );
    if (!columns.has('purpose_key') || !columns.has('published_at')) {
      if (columns.size > 0 && !this.warned) {
        this.warned = true;
        this.logger.warn('the notices table has no purpose_key/published_at columns; releases that need a consent notice are refused');
      }
      return false;
    }
    const q = this.db('notices').where('purpose_key', purposeKey).whereNotNull('published_at').first(this.db.raw('1 as found'));
    if (columns.has('app_id')) {
      q.where((w) => {
        w.whereNull('app_id');
        if (appId !== undefined) w.orWhere('app_id', appId);
      });
    }
    return (await q) !== undefined;
  }
}
