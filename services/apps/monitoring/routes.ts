import { created, defineRoute, staffPermission, type RouteSpec } from '../../http/route';
import { Problem, problemResponses } from '../../shared/schemas';
import type { z } from '../../shared/zod';
import type { LeadDepartmentService } from '../accountability';
import { appChangeResponses, appNotFoundResponse, ownerOrLeadDepartment, owningDepartmentOfApp } from '../routes';
import { AppParams } from '../schemas';
import type { AppService } from '../service';
import {
  APP_SIGNALS_SCOPE,
  AcknowledgeWarning,
  Monitoring,
  RecordSignal,
  SetMonitoring,
  SignalPage,
  SignalQuery,
  SignalReceipt,
  Warning,
  WarningPage,
  WarningParams,
  WarningQuery,
} from './schemas';
import type { MonitoringService } from './service';

const signalResponses = {
  201: { description: 'Recorded, with the warning it raised (if any)', schema: SignalReceipt },
  ...problemResponses,
  ...appNotFoundResponse,
  409: { description: 'The app is retired, or has no monitoring profile', schema: Problem },
  429: { description: 'Too many signals for this app or from this recorder; Retry-After says when to try again', schema: Problem },
} as const;

type SignalRoute = RouteSpec<typeof AppParams, z.ZodType, typeof RecordSignal>;

export function monitoringRoutes(
  apps: Pick<AppService, 'departmentOf'>,
  lead: Pick<LeadDepartmentService, 'get'>,
  monitoring: MonitoringService,
): RouteSpec[] {
  const ofApp = owningDepartmentOfApp(apps);
  const writers = ownerOrLeadDepartment(apps, lead);
  // Pushed by a monitoring client or recorded by hand: the same signal, the same rules and limits.
  const recordSignal: SignalRoute['handler'] = ({ params, body, change }) => created(monitoring.recordSignal(change, params.id, body));
  return [
    defineRoute({
      method: 'put',
      path: '/v1/apps/{id}/monitoring',
      operationId: 'setAppMonitoring',
      summary: 'Set an app’s warning thresholds and the monitoring clients allowed to push its signals',
      description:
        'App managers (app:update) of the owning department or of the lead department for app management. Audited as app.monitoring_set with before and after.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', writers),
      params: AppParams,
      body: SetMonitoring,
      responses: { 200: { description: 'The profile now', schema: Monitoring }, ...appChangeResponses },
      handler: async ({ params, body, change }) => ({ body: await monitoring.setProfile(change, params.id, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/monitoring',
      operationId: 'getAppMonitoring',
      summary: 'An app’s monitoring profile: thresholds and monitoring clients',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      responses: {
        200: { description: 'The profile', schema: Monitoring },
        ...problemResponses,
        404: { description: 'Unknown app, or no profile yet', schema: Problem },
      },
      handler: async ({ params }) => ({ body: await monitoring.profile(params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/monitoring/apps/{id}/signals',
      operationId: 'pushAppSignal',
      summary: 'A monitoring system pushes an availability measurement or a security alert for an app',
      description: `Internal clients with the scope ${APP_SIGNALS_SCOPE} that the app's monitoring profile names (403 signal_source_not_allowed otherwise). Rate-limited per app and per client. A signal that makes its window cross the app's threshold raises a warning. Audited as app.signal_recorded (and app.warning_raised).`,
      tags: ['apps'],
      auth: { kind: 'client', scopes: [APP_SIGNALS_SCOPE] },
      params: AppParams,
      body: RecordSignal,
      responses: signalResponses,
      handler: recordSignal,
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/signals',
      operationId: 'recordAppSignal',
      summary: 'Record a monitoring signal by hand (an availability measurement or a security alert)',
      description:
        'App managers (app:record_security) of the owning or the lead department. The same rules and limits as pushed signals. Audited as app.signal_recorded (and app.warning_raised).',
      tags: ['apps'],
      auth: staffPermission('app', 'record_security', writers),
      params: AppParams,
      body: RecordSignal,
      responses: signalResponses,
      handler: recordSignal,
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/signals',
      operationId: 'listAppSignals',
      summary: 'An app’s signals, most recently recorded first',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      query: SignalQuery,
      responses: { 200: { description: 'A page of signals', schema: SignalPage }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params, query }) => ({ body: await monitoring.listSignals(params.id, query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/warnings',
      operationId: 'listAppWarnings',
      summary: 'An app’s warnings, most recent first; ?acknowledged=false lists those awaiting acknowledgement',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      query: WarningQuery,
      responses: { 200: { description: 'A page of warnings', schema: WarningPage }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params, query }) => ({ body: await monitoring.listWarnings(params.id, query) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/warnings/{warningId}/acknowledge',
      operationId: 'acknowledgeAppWarning',
      summary: 'Acknowledge a warning, saying what was done',
      description:
        'App managers (app:update) of the owning or the lead department; once per warning (409 warning_already_acknowledged). Audited as app.warning_acknowledged.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', writers),
      params: WarningParams,
      body: AcknowledgeWarning,
      responses: {
        200: { description: 'The warning, acknowledged', schema: Warning },
        ...problemResponses,
        404: { description: 'Unknown app or warning', schema: Problem },
        409: { description: 'Already acknowledged, or the app is retired', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({
        body: await monitoring.acknowledge(change, params.id, params.warningId, body),
      }),
    }),
  ];
}
