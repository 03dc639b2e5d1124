import type { AuditLog } from '../../services/audit';

/**
 * Makes the next batch linked ahead (the one-statement commit) carry a row the database refuses
 * (an id that is not a uuid), so its statement fails whole. `linkedAhead()` tells whether a batch
 * was indeed linked ahead, i.e. whether the one-statement path was the one that failed.
 */
export function breakNextLinkedBatch(audit: AuditLog): { linkedAhead(): boolean; restore(): void } {
  const link = audit.chain.linkAfterKnownEnd.bind(audit.chain);
  let linkedAhead = false;
  const spy = jest.spyOn(audit.chain, 'linkAfterKnownEnd').mockImplementationOnce((events) => {
    const linked = link(events);
    linkedAhead = linked !== undefined;
    return linked && { ...linked, rowsJson: linked.rowsJson.replace(/"id":"[0-9a-f-]+"/, '"id":"not-a-uuid"') };
  });
  return { linkedAhead: () => linkedAhead, restore: () => spy.mockRestore() };
}
