/**
 * Newest first by `key`, after the record with id `afterId` in that order: the paging of the app
 * ledger's in-memory fake stores, as their stores page by time and then id.
 */
export function newestFirst<T extends { id: string }>(records: readonly T[], key: (r: T) => string, afterId: string | undefined): T[] {
  const after = records.find((r) => r.id === afterId);
  return records.filter((r) => !after || key(r) < key(after)).sort((a, b) => key(b).localeCompare(key(a)));
}
