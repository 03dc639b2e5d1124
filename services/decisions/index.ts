import type { AccessGrantStore, GrantDirectory } from '../access-grants';
import type { Feature, FeatureDeps } from '../feature';
import { every } from '../platform/every';
import type { VendorTokenPolicy } from '../oauth';
import { decisionBatchObserver } from '../platform/metrics';
import type { VendorService } from '../vendors';
import { AuthzenService } from './authzen';
import { authzenRoutes } from './authzen-routes';
import { priorDecisions, type ConsentChecker } from './consent-gate';
import { VendorAccessEngine } from './engine';
import { decisionRoutes } from './routes';
import { DecisionService, decisionCommitWrites, type DecisionUsage } from './service';
import { DecisionStore } from './store';
import { vendorTokenPolicy } from './token-details';

export { VendorAccessEngine, type VendorDirectory, type VendorSnapshot } from './engine';
export { DecisionService, decisionCommitWrites, usageByDay, type DecisionPorts, type DecisionUsage } from './service';
export { priorDecisions, type ConsentChecker, type ConsentState, type SubjectConsent } from './consent-gate';
export { DecisionStore, type DayUsage } from './store';
export { decisionRoutes } from './routes';
export { AuthzenService } from './authzen';
export { authzenRoutes } from './authzen-routes';
export { vendorAuthorizationDetailsHook, vendorTokenActivityCheck, vendorTokenPolicy, coverage, DataAccessDetail } from './token-details';

const MAX_DECISION_BATCH = 1000;

export interface DecisionsFeature {
  readonly decisions: DecisionService;
  /** The in-memory vendor access view that decisions and vendor tokens read. */
  readonly accessEngine: VendorAccessEngine;
  /** What vendor tokens carry and how long they stay active: the authorization server's token endpoint and verifier ask it. */
  readonly vendorTokens: VendorTokenPolicy;
}

export interface DecisionsPorts {
  readonly grantRecords: AccessGrantStore;
  readonly grantDirectory: GrantDirectory;
  readonly vendors: VendorService;
  readonly consents: ConsentChecker;
}

/** Field-level access decisions (and AuthZEN over them) from the in-memory vendor access view, kept current by the change feed. */
export function createDecisionsFeature(deps: FeatureDeps, ports: DecisionsPorts): Feature<DecisionsFeature> {
  const { config, db, logger, audit, changes, metrics, secrets, clock } = deps;
  const accessEngine = new VendorAccessEngine(ports.grantRecords, ports.grantDirectory, ports.vendors, clock, changes.clock);
  accessEngine.subscribe(changes);
  const writer = audit.groupCommit<DecisionUsage>(db, decisionCommitWrites(new DecisionStore(db)), {
    maxBatch: MAX_DECISION_BATCH,
    lanes: deps.writeLanes,
    observer: decisionBatchObserver(metrics.domain),
  });
  const fresh = () => accessEngine.fresh(changes.status, config.policyMaxStalenessMs);
  const decisions = new DecisionService(accessEngine, writer, secrets.subjectIdKey, {
    consent: ports.consents,
    fresh,
    prior: priorDecisions(audit),
    clock,
  });
  let reload: { stop(): void } | undefined;
  return {
    name: 'decisions',
    provides: { decisions, accessEngine, vendorTokens: vendorTokenPolicy(accessEngine, fresh, clock) },
    routes: [...decisionRoutes(decisions), ...authzenRoutes(new AuthzenService(decisions, clock), config.publicUrl)],
    readiness: [{ name: 'vendor_policies', check: async () => fresh() }],
    async start() {
      await accessEngine.load();
      // Backstop behind the change feed: a full reload now and then, whatever the feed said.
      reload = every(config.policyReloadIntervalSeconds * 1000, logger, 'periodic vendor policy reload', () => accessEngine.load());
    },
    async stop() {
      reload?.stop();
    },
  };
}
