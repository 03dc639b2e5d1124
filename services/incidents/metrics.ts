import { Gauge, type Registry } from 'prom-client';
import type { IncidentService } from './service';
import { systemClock, type Clock } from '../platform/clock';

/** incident_obligations_overdue{kind}: regulator notifications and rectification items past due; NaN when unknown. */
export function registerIncidentMetrics(
  registry: Registry,
  incidents: Pick<IncidentService, 'overdueNotifications' | 'overdueRectifications'>,
  clock: Clock = systemClock,
): void {
  new Gauge({
    name: 'incident_obligations_overdue',
    help: 'Regulator notifications not sent and rectification items not completed past their due time (NaN when the database is unavailable)',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      for (const [kind, read] of [
        ['regulator_notification', () => incidents.overdueNotifications(clock.now(), 0)],
        ['rectification', () => incidents.overdueRectifications(clock.now(), 0)],
      ] as const) {
        try {
          this.set({ kind }, (await read()).count);
        } catch {
          this.set({ kind }, Number.NaN);
        }
      }
    },
  });
}
