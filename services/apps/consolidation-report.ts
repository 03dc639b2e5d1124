import type { Clock } from '../platform/clock';
import { toCsv } from '../shared/csv';
import { Timestamp, Uuid } from '../shared/schemas';
import { z } from '../shared/zod';
import { AppAudience, AppKind, AppLifecycleState, type App } from './schemas';
import type { AppSecurityStoreType } from './security-store-type';
import type { AppStoreType } from './store-type';

/** Where an app counts as a consolidation candidate (from configuration). */
export interface ConsolidationThresholds {
  /** Monthly active users below this is low activity. */
  readonly lowActivityMau: number;
  /** Satisfaction (0-5) below this is poor. */
  readonly poorSatisfactionBelow: number;
}

const SEVERE = ['high', 'critical'] as const;

const LowActivity = z.object({
  code: z.literal('low_activity'),
  detail: z.string(),
  monthlyActiveUsers: z.number().int(),
  threshold: z.number(),
});
const PoorSatisfaction = z.object({
  code: z.literal('poor_satisfaction'),
  detail: z.string(),
  satisfaction: z.number(),
  threshold: z.number(),
});
const OverlappingScenarios = z.object({
  code: z.literal('overlapping_scenarios'),
  detail: z.string(),
  overlaps: z.array(z.object({ appId: Uuid, appName: z.string(), scenarios: z.array(z.string()) })),
});
const OpenSevereVulnerabilities = z.object({
  code: z.literal('open_high_severity_vulnerabilities'),
  detail: z.string(),
  high: z.number().int(),
  critical: z.number().int(),
  overdue: z.number().int(),
  vulnerabilities: z.array(Uuid),
});

export const ConsolidationReason = z
  .discriminatedUnion('code', [LowActivity, PoorSatisfaction, OverlappingScenarios, OpenSevereVulnerabilities])
  .openapi('AppConsolidationReason');
export type ConsolidationReason = z.infer<typeof ConsolidationReason>;

export const AppConsolidationReport = z
  .object({
    generatedAt: Timestamp,
    thresholds: z.object({ lowActivityMau: z.number(), poorSatisfactionBelow: z.number() }),
    appsInService: z.number().int().openapi({ description: 'Apps released, operating or consolidating: the apps the report considers' }),
    candidates: z.array(
      z.object({
        app: z.object({
          id: Uuid,
          name: z.string(),
          kind: AppKind,
          audience: AppAudience,
          lifecycleState: AppLifecycleState,
          owningDepartment: z.string(),
          leadDepartment: z.string(),
          monthlyActiveUsers: z.number().int(),
          satisfaction: z.number().nullable(),
        }),
        reasons: z.array(ConsolidationReason),
      }),
    ),
  })
  .openapi('AppConsolidationReport');
export type AppConsolidationReport = z.infer<typeof AppConsolidationReport>;

/**
 * "Fewer and better apps" (Notice item 3): apps in service with low activity, poor satisfaction,
 * business scenarios another app of the same audience also serves, or open high or critical
 * vulnerabilities, each with the reason and its numbers.
 */
export class AppConsolidationReportService {
  constructor(
    private readonly apps: Pick<AppStoreType, 'live'>,
    private readonly security: Pick<AppSecurityStoreType, 'unfixedOf'>,
    private readonly thresholds: ConsolidationThresholds,
    private readonly clock: Clock,
  ) {}

  async build(now = this.clock.now()): Promise<AppConsolidationReport> {
    const live = await this.apps.live();
    const severe = await this.security.unfixedOf(
      live.map((a) => a.id),
      SEVERE,
    );
    const candidates: AppConsolidationReport['candidates'] = [];
    for (const app of live) {
      const reasons = [
        ...this.activity(app),
        ...this.satisfaction(app),
        ...overlapsOf(app, live),
        ...vulnerabilitiesOf(
          severe.filter((v) => v.appId === app.id),
          now,
        ),
      ];
      if (reasons.length === 0) continue;
      const { id, name, kind, audience, lifecycleState, owningDepartment, leadDepartment, monthlyActiveUsers, satisfaction } = app;
      candidates.push({
        app: { id, name, kind, audience, lifecycleState, owningDepartment, leadDepartment, monthlyActiveUsers, satisfaction },
        reasons,
      });
    }
    return { generatedAt: now.toISOString(), thresholds: { ...this.thresholds }, appsInService: live.length, candidates };
  }

  private activity(app: App): ConsolidationReason[] {
    const threshold = this.thresholds.lowActivityMau;
    if (app.monthlyActiveUsers >= threshold) return [];
    return [
      {
        code: 'low_activity',
        detail: `${app.monthlyActiveUsers} monthly active users, below the threshold of ${threshold}`,
        monthlyActiveUsers: app.monthlyActiveUsers,
        threshold,
      },
    ];
  }

  private satisfaction(app: App): ConsolidationReason[] {
    const threshold = this.thresholds.poorSatisfactionBelow;
    if (app.satisfaction === null || app.satisfaction >= threshold) return [];
    return [
      {
        code: 'poor_satisfaction',
        detail: `satisfaction ${app.satisfaction} of 5, below ${threshold}`,
        satisfaction: app.satisfaction,
        threshold,
      },
    ];
  }
}

/** Other apps in service for the same audience that share business scenarios with `app`. */
function overlapsOf(app: App, live: readonly App[]): ConsolidationReason[] {
  const mine = new Set(app.businessScenarios);
  const overlaps = live
    .filter((other) => other.id !== app.id && other.audience === app.audience)
    .map((other) => ({ appId: other.id, appName: other.name, scenarios: other.businessScenarios.filter((s) => mine.has(s)).sort() }))
    .filter((o) => o.scenarios.length > 0);
  if (overlaps.length === 0) return [];
  // One line per overlapping app, so a spreadsheet cell lists them one under another.
  const detail = overlaps.map((o) => `shares ${o.scenarios.join(', ')} with ${o.appName}`).join('\n');
  return [{ code: 'overlapping_scenarios', detail, overlaps }];
}

function vulnerabilitiesOf(open: ReadonlyArray<{ id: string; severity: string; dueAt: string }>, now: Date): ConsolidationReason[] {
  if (open.length === 0) return [];
  const high = open.filter((v) => v.severity === 'high').length;
  const critical = open.filter((v) => v.severity === 'critical').length;
  const overdue = open.filter((v) => new Date(v.dueAt) < now).length;
  return [
    {
      code: 'open_high_severity_vulnerabilities',
      detail: `${critical} critical and ${high} high vulnerabilities open, ${overdue} of them overdue`,
      high,
      critical,
      overdue,
      vulnerabilities: open.map((v) => v.id),
    },
  ];
}

const CSV_HEADER = [
  'app_id',
  'app_name',
  'kind',
  'audience',
  'lifecycle_state',
  'owning_department',
  'lead_department',
  'monthly_active_users',
  'satisfaction',
  'reason',
  'detail',
];

/** One row per app and reason (RFC 4180). */
export function consolidationCsv(report: AppConsolidationReport): string {
  const rows = report.candidates.flatMap(({ app, reasons }) =>
    reasons.map((r) => [
      app.id,
      app.name,
      app.kind,
      app.audience,
      app.lifecycleState,
      app.owningDepartment,
      app.leadDepartment,
      app.monthlyActiveUsers,
      app.satisfaction,
      r.code,
      r.detail,
    ]),
  );
  return toCsv(CSV_HEADER, rows);
}
