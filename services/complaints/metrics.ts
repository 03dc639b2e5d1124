import { Gauge, type Registry } from 'prom-client';
import type { ComplaintService } from './service';
import { systemClock, type Clock } from '../platform/clock';

/** complaints_overdue: undecided complaints past their deadline; NaN when the database cannot say. */
export function registerComplaintMetrics(
  registry: Registry,
  complaints: Pick<ComplaintService, 'overdueSummary'>,
  clock: Clock = systemClock,
): void {
  new Gauge({
    name: 'complaints_overdue',
    help: 'Complaints not yet resolved or rejected whose deadline has passed (NaN when the database is unavailable)',
    registers: [registry],
    async collect() {
      try {
        this.set((await complaints.overdueSummary(clock.now(), 0)).count);
      } catch {
        // A scrape must not fail with the database: report "unknown", not zero.
        this.set(Number.NaN);
      }
    },
  });
}
