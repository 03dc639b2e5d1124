import { Registry } from 'prom-client';
import { registerComplaintMetrics } from '../../services/complaints/metrics';
import { registerIncidentMetrics } from '../../services/incidents/metrics';

const down = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
const counted = (count: number) => () => Promise.resolve({ examined: count, count, examples: [] });

describe('overdue gauges', () => {
  it('report the counts', async () => {
    const registry = new Registry();
    registerComplaintMetrics(registry, { overdueSummary: counted(3) });
    registerIncidentMetrics(registry, { overdueNotifications: counted(1), overdueRectifications: counted(2) });
    const text = await registry.metrics();
    expect(text).toMatch(/^complaints_overdue 3$/m);
    expect(text).toMatch(/^incident_obligations_overdue\{kind="regulator_notification"\} 1$/m);
    expect(text).toMatch(/^incident_obligations_overdue\{kind="rectification"\} 2$/m);
  });

  it('report NaN ("unknown"), never an error or a false zero, when the database is down', async () => {
    const registry = new Registry();
    registerComplaintMetrics(registry, { overdueSummary: down });
    registerIncidentMetrics(registry, { overdueNotifications: down, overdueRectifications: counted(2) });
    const text = await registry.metrics();
    expect(text).toMatch(/^complaints_overdue nan$/im);
    expect(text).toMatch(/^incident_obligations_overdue\{kind="regulator_notification"\} nan$/im);
    expect(text).toMatch(/^incident_obligations_overdue\{kind="rectification"\} 2$/m);
  });
});
