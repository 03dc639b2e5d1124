import type { Clock } from '../../platform/clock';
import type { Finding } from '../../reports/compliance-check';
import type { AppEntryService } from './entry';
import type { AppPlanReport } from './schemas';
import { todayOf } from './service';
import type { AppPlanningStore } from './planning-store';

/** Apps per department or branch against its approved plans and its cap. */
export class AppPlanReportService {
  constructor(
    private readonly store: AppPlanningStore,
    private readonly clock: Clock,
  ) {}

  async build(): Promise<AppPlanReport> {
    const lines = await this.store.planLines(todayOf(this.clock));
    return {
      generatedAt: this.clock.now().toISOString(),
      plansRequiredFrom: (await this.store.planningPolicy()).plansRequiredFrom,
      departments: lines.map((l) => ({
        department: l.department,
        appsNotRetired: l.apps,
        appsOutsidePlan: l.outside,
        plannedApps: l.planned,
        proposed: l.proposed,
        merged: l.merged,
        open: l.planned - l.proposed - l.merged,
        maxApps: l.maxApps,
        overCap: l.maxApps !== null && l.apps > l.maxApps,
      })),
    };
  }
}

/** What the compliance report asks about plans, caps and overlaps (the Notice, item 3). */
export class AppPlanComplianceFacts {
  constructor(
    private readonly store: AppPlanningStore,
    private readonly entry: AppEntryService,
  ) {}

  /**
   * Apps not retired that the plan requirement covers and that came from no approved plan (examples: app ids).
   * It covers proposals from the later of its date and the moment it was set (it never reaches back past
   * the rules an app was proposed under), and every app while no date is set.
   */
  async outsideApprovedPlans(): Promise<Finding> {
    const { plansRequiredFrom, setAt } = await this.store.planningPolicy();
    if (plansRequiredFrom === null) return this.store.outsideApprovedPlans(null);
    const from = `${plansRequiredFrom}T00:00:00.000Z`;
    return this.store.outsideApprovedPlans(setAt !== null && Date.parse(setAt) > Date.parse(from) ? new Date(setAt).toISOString() : from);
  }

  /** Departments with a cap, and those owning more apps not retired than it allows (examples: department codes). */
  overCap(): Promise<Finding> {
    return this.store.overCap();
  }

  /** Proposed apps, and those with an overlap no justification answers for (examples: app ids). */
  unresolvedOverlaps(): Promise<Finding> {
    return this.entry.proposalsWithUnresolvedOverlaps();
  }
}
