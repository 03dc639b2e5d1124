import { ASSESSMENT_VALID_MONTHS, assessmentCutoff } from '../access-grants/grantability';
import type { AuditLog } from '../audit';
import { z } from '../shared/zod';
import {
  CHECK_STATUSES,
  REPORT_LANGUAGES,
  checkStatus,
  type CheckStatus,
  type ComplianceCheckDefinition,
  type ComplianceSources,
  type RecordKind,
  type ReportWindow,
} from './compliance-check';
import type { ComplianceReadModel } from './compliance-read-model';
import { UNUSED_DAYS } from './vendor-access';

export const CheckStatusSchema = z.enum(CHECK_STATUSES).openapi('ComplianceCheckStatus', {
  description: '`not_applicable`: the check examined no record (an empty register proves nothing, so it is never a pass)',
});
export const ReportLanguageSchema = z.enum(REPORT_LANGUAGES).openapi('ComplianceReportLanguage');

export const ComplianceCheck = z
  .object({
    code: z.string().openapi({ description: 'Stable English code of the check (never localized, never reworded)' }),
    id: z.string().openapi({ description: 'The same as `code` (kept for earlier clients)' }),
    requirement: z.string().openapi({ description: 'The requirement, in the report’s language' }),
    source: z.string().openapi({ description: 'The Notice item or PIPL article the check answers to, in the report’s language' }),
    severity: z.enum(['fail', 'warn']).openapi({ description: 'What an offender makes the check' }),
    scope: z.enum(['current', 'period']).openapi({
      description: '`current`: the state when generated; `period`: register records open at some time in the period',
    }),
    status: CheckStatusSchema,
    examined: z.number().int().openapi({ description: 'How many records the requirement applies to and the check looked at' }),
    count: z.number().int().openapi({ description: 'How many of those break the requirement' }),
    examples: z.array(z.string()).openapi({ description: 'Ids (or keys) of up to 10 offending records' }),
    exampleLabels: z
      .array(z.object({ id: z.string(), label: z.string().nullable() }))
      .openapi({ description: 'Each example with a readable name (department, asset key, vendor name…); null if the record is gone' }),
    checkedAt: z.string(),
  })
  .openapi('ComplianceCheck');
export type ComplianceCheck = z.infer<typeof ComplianceCheck>;

export const ComplianceReport = z
  .object({
    reportId: z
      .uuid()
      .openapi({ description: 'Identifies this issue of the report; its signed form is at /v1/reports/compliance/{reportId}/signed' }),
    lang: ReportLanguageSchema,
    institution: z.object({ name: z.string().nullable(), timeZone: z.string() }),
    generatedAt: z.string().openapi({ description: 'UTC' }),
    generatedAtLocal: z
      .string()
      .openapi({ description: 'The same instant in the institution’s time zone, e.g. 2026-12-05 16:47:26 (UTC+08:00)' }),
    period: z.object({
      from: z.string().openapi({ description: 'First day covered (YYYY-MM-DD, institution’s time zone)' }),
      to: z.string().openapi({ description: 'Last day covered (YYYY-MM-DD, institution’s time zone)' }),
      startsAt: z.string().openapi({ description: 'UTC instant the period starts' }),
      endsBefore: z.string().openapi({ description: 'UTC instant just after the period ends' }),
    }),
    preparedBy: z.string().openapi({ description: 'The staff subject who requested the report' }),
    summary: z.object({ pass: z.number().int(), warn: z.number().int(), fail: z.number().int(), not_applicable: z.number().int() }),
    checks: z.array(ComplianceCheck),
  })
  .openapi('ComplianceReport');
export type ComplianceReport = z.infer<typeof ComplianceReport>;

export type { ComplianceSources } from './compliance-check';

const NOTICE = '《通知》（金办发〔2024〕99号）';
const PIPL = '《个人信息保护法》';

/** Every check the report runs, in the order an inspector reads them. */
export function complianceChecks(
  store: ComplianceReadModel,
  sources: ComplianceSources,
  audit: Pick<AuditLog, 'verify'>,
): ComplianceCheckDefinition[] {
  const iso = (d: Date) => d.toISOString();
  return [
    {
      code: 'assets_without_owner',
      severity: 'fail',
      scope: 'current',
      examines: 'data_asset',
      text: {
        en: {
          requirement: 'Every data asset has an owning department with a data owner',
          source: 'Notice: who manages the business manages its data',
        },
        'zh-CN': {
          requirement: '每项数据资产都有归属业务部门，且该部门有数据负责人',
          source: `${NOTICE}：谁管业务、谁管业务数据、谁管数据安全`,
        },
      },
      run: () => store.assetsWithoutDataOwner(),
    },
    {
      code: 'assets_without_classified_fields',
      severity: 'fail',
      scope: 'current',
      examines: 'data_asset',
      text: {
        en: { requirement: 'Every data asset lists its fields with a PI category', source: 'Notice: data security; JR/T 0197-2020' },
        'zh-CN': { requirement: '每项数据资产列明其字段及个人信息类别', source: `${NOTICE}：数据安全；JR/T 0197-2020` },
      },
      run: () => store.assetsWithoutClassifiedFields(),
    },
    {
      code: 'grants_without_end',
      severity: 'fail',
      scope: 'current',
      examines: 'access_grant',
      text: {
        en: { requirement: 'Every vendor grant ends, within 365 days', source: 'Notice: outsourcing, minimum authorization; PIPL Art. 21' },
        'zh-CN': {
          requirement: '每项外包机构授权均有截止时间，且期限不超过365天',
          source: `${NOTICE}：外包管理、最小授权；${PIPL}第二十一条`,
        },
      },
      run: () => store.grantsWithoutEnd(),
    },
    {
      code: 'grants_past_contract',
      severity: 'fail',
      scope: 'current',
      examines: 'access_grant',
      text: {
        en: { requirement: 'No vendor grant runs past the vendor’s contract', source: 'PIPL Art. 21' },
        'zh-CN': { requirement: '外包机构授权不超出其合同期限', source: `${PIPL}第二十一条` },
      },
      run: (w) => store.grantsPastContract(iso(w.now)),
    },
    {
      code: 'grants_unused',
      severity: 'warn',
      scope: 'current',
      examines: 'access_grant',
      text: {
        en: {
          requirement: `Grants unused for ${UNUSED_DAYS} days are reviewed for revocation`,
          source: 'Notice: need to know, minimum authorization',
        },
        'zh-CN': { requirement: `连续${UNUSED_DAYS}天未使用的授权应复核并考虑撤销`, source: `${NOTICE}：按需知悉、最小授权` },
      },
      run: (w) => store.grantsUnused(iso(w.now), UNUSED_DAYS),
    },
    {
      code: 'vendors_expired_with_active_grants',
      severity: 'fail',
      scope: 'current',
      examines: 'vendor',
      text: {
        en: { requirement: 'Vendors whose contract has ended hold no active grant', source: 'Notice: outsourcing exit; PIPL Art. 21' },
        'zh-CN': { requirement: '合同已到期的外包机构不持有有效授权', source: `${NOTICE}：外包退出机制；${PIPL}第二十一条` },
      },
      run: (w) => store.vendorsExpiredWithActiveGrants(iso(w.now)),
    },
    {
      code: 'sensitive_grants_without_privacy_officer',
      severity: 'fail',
      scope: 'current',
      examines: 'access_grant',
      text: {
        en: { requirement: 'Grants of sensitive PI were co-approved by a privacy officer', source: 'PIPL Art. 28–29' },
        'zh-CN': { requirement: '涉及敏感个人信息的授权经个人信息保护负责人共同审批', source: `${PIPL}第二十八条、第二十九条` },
      },
      run: () => store.sensitiveGrantsWithoutPrivacyOfficer(),
    },
    {
      code: 'grants_on_retired_subjects',
      severity: 'fail',
      scope: 'current',
      examines: 'access_grant',
      text: {
        en: {
          requirement: 'No live vendor grant names a retired data asset, field or purpose',
          source: 'Notice: need to know, minimum authorization; PIPL Art. 6, 21',
        },
        'zh-CN': {
          requirement: '有效的外包机构授权不涉及已停用的数据资产、字段或处理目的',
          source: `${NOTICE}：按需知悉、最小授权；${PIPL}第六条、第二十一条`,
        },
      },
      run: (w) => store.grantsOnRetiredSubjects(iso(w.now)),
    },
    {
      code: 'grants_of_vendors_without_current_assessment',
      severity: 'fail',
      scope: 'current',
      examines: 'access_grant',
      text: {
        en: {
          requirement: `Vendors holding live grants passed a security assessment in the last ${ASSESSMENT_VALID_MONTHS} months`,
          source: 'Notice: outsourcing management, network and data security; PIPL Art. 21',
        },
        'zh-CN': {
          requirement: `持有有效授权的外包机构在最近${ASSESSMENT_VALID_MONTHS}个月内通过安全评估`,
          source: `${NOTICE}：外包管理、网络和数据安全；${PIPL}第二十一条`,
        },
      },
      run: (w) => store.grantsOfVendorsWithoutCurrentAssessment(iso(w.now), assessmentCutoff(w.now)),
    },
    {
      code: 'sensitive_grants_undisclosed',
      severity: 'fail',
      scope: 'current',
      examines: 'access_grant',
      text: {
        en: {
          requirement:
            'Every sensitive field a live vendor grant releases is disclosed by each current notice of its purpose (a consent-based purpose has one)',
          source: 'PIPL Art. 17, 29–30',
        },
        'zh-CN': {
          requirement: '有效授权提供的每项敏感个人信息字段，均在其处理目的的现行告知中披露（基于同意的目的须有告知）',
          source: `${PIPL}第十七条、第二十九条至第三十条`,
        },
      },
      run: (w) => store.sensitiveGrantsUndisclosed(iso(w.now)),
    },
    {
      code: 'notices_omitting_granted_sensitive_data',
      severity: 'fail',
      scope: 'current',
      examines: 'notice',
      text: {
        en: {
          requirement: 'No current notice omits a sensitive field that live vendor grants under its purpose release',
          source: 'PIPL Art. 17, 29–30',
        },
        'zh-CN': { requirement: '现行告知不遗漏该目的下有效授权所提供的敏感个人信息字段', source: `${PIPL}第十七条、第二十九条至第三十条` },
      },
      run: (w) => store.noticesOmittingGrantedSensitiveData(iso(w.now)),
    },
    {
      code: 'consent_purposes_without_notice',
      severity: 'fail',
      scope: 'current',
      examines: 'purpose',
      text: {
        en: { requirement: 'Every purpose based on consent has a published notice', source: 'PIPL Art. 14, 17' },
        'zh-CN': { requirement: '以同意为处理依据的每项目的均已发布告知文本', source: `${PIPL}第十四条、第十七条` },
      },
      run: () => store.consentPurposesWithoutNotice(),
    },
    {
      code: 'notices_without_complaint_channel',
      severity: 'fail',
      scope: 'current',
      examines: 'notice',
      text: {
        en: {
          requirement: 'Every published notice names the complaint channel',
          source: 'Notice: publish the complaint channel; PIPL Art. 17, 50',
        },
        'zh-CN': { requirement: '每份已发布的告知文本均载明投诉渠道', source: `${NOTICE}：公布投诉渠道；${PIPL}第十七条、第五十条` },
      },
      run: () => store.noticesWithoutComplaintChannel(),
    },
    {
      code: 'stale_consents',
      severity: 'warn',
      scope: 'current',
      examines: 'consent',
      text: {
        en: { requirement: 'No consent to a superseded material notice version is relied on', source: 'PIPL Art. 14' },
        'zh-CN': { requirement: '不依赖针对已被重大变更取代的告知版本所作的同意', source: `${PIPL}第十四条` },
      },
      run: () => store.staleConsents(),
    },
    {
      code: 'complaints_overdue',
      severity: 'fail',
      scope: 'period',
      examines: 'complaint',
      text: {
        en: { requirement: 'Complaints are answered by their due date', source: 'PIPL Art. 50; 2020 consumer complaint rules' },
        'zh-CN': { requirement: '投诉在办理期限内作出答复', source: `${PIPL}第五十条；《银行保险机构消费投诉处理管理办法》（2020年）` },
      },
      run: (w) => sources.overdueComplaints(w),
    },
    {
      code: 'notifications_overdue',
      severity: 'fail',
      scope: 'period',
      examines: 'incident',
      text: {
        en: { requirement: 'Leak notifications reach the regulator and people in time', source: 'PIPL Art. 57' },
        'zh-CN': { requirement: '泄露事件及时通知监管机构和个人', source: `${PIPL}第五十七条` },
      },
      run: (w) => sources.overdueNotifications(w),
    },
    {
      code: 'incidents_without_containment',
      severity: 'fail',
      scope: 'period',
      examines: 'incident',
      text: {
        en: { requirement: 'Every leak incident has been contained', source: 'Notice: handle leaks at once; PIPL Art. 57' },
        'zh-CN': { requirement: '每起泄露事件均已采取控制措施', source: `${NOTICE}：立即处置泄露事件；${PIPL}第五十七条` },
      },
      run: (w) => sources.incidentsWithoutContainment(w),
    },
    {
      code: 'rectifications_overdue',
      severity: 'fail',
      scope: 'period',
      examines: 'rectification',
      text: {
        en: { requirement: 'Rectification items are completed by their due date', source: 'Notice: supervision and rectification' },
        'zh-CN': { requirement: '整改事项按期完成', source: `${NOTICE}：监督检查与整改` },
      },
      run: (w) => sources.overdueRectifications(w),
    },
    {
      code: 'apps_released_without_filing',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: { requirement: 'Every released app has a filing number', source: 'Notice items 1–3: ledger, access and exit' },
        'zh-CN': { requirement: '每个已上线应用均有备案号', source: `${NOTICE}第1至3项：台账、准入与退出` },
      },
      run: (w) => sources.appsReleasedWithoutFiling(w),
    },
    {
      code: 'apps_without_recent_penetration_test',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: { requirement: 'Every released app passed a penetration test in the last 12 months', source: 'Notice: penetration testing' },
        'zh-CN': { requirement: '每个已上线应用在过去12个月内通过渗透测试', source: `${NOTICE}：渗透测试` },
      },
      run: (w) => sources.appsWithoutRecentPenetrationTest(w),
    },
    {
      code: 'vulnerabilities_overdue',
      severity: 'fail',
      scope: 'period',
      examines: 'vulnerability',
      text: {
        en: {
          requirement: 'Vulnerabilities are fixed by their rectification deadline',
          source: 'Notice: vulnerability reporting and rectification',
        },
        'zh-CN': { requirement: '漏洞在整改期限内修复', source: `${NOTICE}：漏洞报告与整改` },
      },
      run: (w) => sources.overdueVulnerabilities(w),
    },
    {
      code: 'apps_lead_department_named',
      severity: 'fail',
      scope: 'current',
      examines: 'department',
      text: {
        en: {
          requirement: 'The institution names a lead department for mobile-app management while it has apps',
          source: 'Notice item 1: a lead department for app management',
        },
        'zh-CN': { requirement: '机构存在移动应用时，已明确移动应用管理的牵头部门', source: `${NOTICE}第一项：明确牵头部门` },
      },
      run: (w) => sources.appsLeadDepartmentNamed(w),
    },
    {
      code: 'apps_without_accountability',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: {
          requirement:
            'Every app not retired has a business owner, a technology owner and a full responsibility matrix (business, data, security, operations)',
          source: 'Notice item 1: responsibilities for each app',
        },
        'zh-CN': {
          requirement: '每个未退出的应用均明确业务负责人、技术负责人及完整的责任矩阵（业务、数据、安全、运维）',
          source: `${NOTICE}第一项：压实各方责任`,
        },
      },
      run: (w) => sources.appsWithoutAccountability(w),
    },
    {
      code: 'regulator_vulnerabilities_overdue',
      severity: 'fail',
      scope: 'period',
      examines: 'vulnerability',
      text: {
        en: {
          requirement: 'Every vulnerability the regulator reported in a notice is fixed by the regulator’s deadline',
          source: 'Notice item 9: rectification of vulnerabilities the regulator reports',
        },
        'zh-CN': { requirement: '监管通报的每个漏洞均在监管要求的期限内完成整改', source: `${NOTICE}第九项：监管通报漏洞的整改` },
      },
      run: (w) => sources.regulatorVulnerabilitiesOverdue(w),
    },
    {
      code: 'apps_with_uncleared_sdks',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: {
          requirement:
            'Every third-party component (SDK) collecting personal information in an app in service is approved by a privacy officer and disclosed in a published notice of its purpose',
          source: 'Notice item 7: third-party components; PIPL Art. 17, 23',
        },
        'zh-CN': {
          requirement: '在用应用中收集个人信息的每个第三方组件（SDK）均经个人信息保护负责人批准，并在其处理目的的已发布告知中披露',
          source: `${NOTICE}第七项：第三方组件管理；${PIPL}第十七条、第二十三条`,
        },
      },
      run: (w) => sources.appsWithUnclearedSdks(w),
    },
    {
      code: 'apps_supporting_ended_environments',
      severity: 'warn',
      scope: 'current',
      examines: 'app',
      text: {
        en: {
          requirement: 'No app in service still supports, in its current release, an operating environment past its end of support',
          source: 'Notice item 5: compatibility and adaptability',
        },
        'zh-CN': { requirement: '在用应用的当前版本不再支持已过终止支持日期的运行环境', source: `${NOTICE}第五项：兼容性与适配性` },
      },
      run: (w) => sources.appsSupportingEndedEnvironments(w),
    },
    {
      code: 'apps_continuity_drill',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: {
          requirement: 'Every critical or important app not retired passed a business-continuity drill within the last 12 months',
          source: 'Notice item 6: business continuity and emergency drills',
        },
        'zh-CN': {
          requirement: '每个未退出的关键及重要应用在最近12个月内完成业务连续性演练且演练通过',
          source: `${NOTICE}第六项：业务连续性管理与应急演练`,
        },
      },
      run: (w) => sources.appsWithoutRecentDrill(w),
    },
    {
      code: 'app_outages_within_rto',
      severity: 'fail',
      scope: 'period',
      examines: 'app_outage',
      text: {
        en: {
          requirement: 'Every app outage that started in the period was recovered within the app’s RTO',
          source: 'Notice item 6: recovery time objectives',
        },
        'zh-CN': {
          requirement: '报告期内发生的每次应用中断均在该应用的恢复时间目标（RTO）内恢复',
          source: `${NOTICE}第六项：恢复时间目标`,
        },
      },
      run: (w) => sources.appOutagesBeyondRto(w),
    },
    {
      code: 'apps_exit_without_complete_plan',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: {
          requirement:
            'Every app consolidating has an approved consolidation or retirement plan (risk assessment, data migration, privacy measures, user notification), and every app retired with a plan completed it',
          source: 'Notice item 4: risk assessment, data migration, privacy protection and user notification during integration',
        },
        'zh-CN': {
          requirement:
            '每个整合中的应用均有经批准的整合或退出方案（风险评估、数据迁移、隐私保护、用户告知），每个按方案退出的应用均已完成方案',
          source: `${NOTICE}第四项：整合过程中做好风险评估、数据迁移、隐私保护和用户告知`,
        },
      },
      run: (w) => sources.appsExitWithoutCompletePlan(w),
    },
    {
      code: 'app_migration_steps_overdue',
      severity: 'warn',
      scope: 'current',
      examines: 'app_migration_step',
      text: {
        en: {
          requirement: 'Every data-migration step of an open consolidation or retirement plan is done by its due date',
          source: 'Notice item 4: data migration during integration',
        },
        'zh-CN': {
          requirement: '未结束的整合或退出方案中，每个数据迁移步骤均在到期日前完成',
          source: `${NOTICE}第四项：整合过程中的数据迁移`,
        },
      },
      run: (w) => sources.appMigrationStepsOverdue(w),
    },
    {
      code: 'apps_within_approved_plans',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: {
          requirement:
            'Every app not retired that the plan requirement covers (proposed on or after the date the lead department set; every app until it sets one) comes from an approved construction plan',
          source: 'Notice item 3: coordinate the construction plans of business departments and branches',
        },
        'zh-CN': {
          requirement: '计划管理要求覆盖的每个未退出应用（牵头部门设定日期及之后提出的；未设定日期时为全部应用）均来自已批准的建设计划',
          source: `${NOTICE}第三项：统筹业务部门和分支机构的建设计划`,
        },
      },
      run: (w) => sources.appsOutsideApprovedPlans(w),
    },
    {
      code: 'departments_within_app_cap',
      severity: 'fail',
      scope: 'current',
      examines: 'department',
      text: {
        en: {
          requirement: 'No department or branch with an app cap owns more apps not retired than its cap',
          source: 'Notice item 3: reasonably control the number of apps',
        },
        'zh-CN': {
          requirement: '设有应用数量上限的部门或分支机构，其未退出应用数量不超过上限',
          source: `${NOTICE}第三项：合理控制应用数量`,
        },
      },
      run: (w) => sources.departmentsOverAppCap(w),
    },
    {
      code: 'app_proposals_overlaps_resolved',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: {
          requirement:
            'Every proposed app whose business scenarios overlap another app not retired has the proposer’s justification for each overlap (or the demand was merged)',
          source: 'Notice item 3: integrate similar and homogeneous business demands',
        },
        'zh-CN': {
          requirement: '业务场景与其他未退出应用重叠的每个拟建应用，均有提出部门对每项重叠的说明（或已将需求并入现有应用）',
          source: `${NOTICE}第三项：整合同类、同质化业务需求`,
        },
      },
      run: (w) => sources.appProposalsWithUnresolvedOverlaps(w),
    },
    {
      code: 'apps_outside_licensed_scope',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: {
          requirement: 'Every app in service declares its business lines and regions, all within the institution’s licensed scope',
          source: 'Notice item 8: business within the licensed scope and region',
        },
        'zh-CN': {
          requirement: '每个在用应用均申报其业务种类和服务地域，且均在机构获准的业务范围和地域之内',
          source: `${NOTICE}第八项：在获准的业务范围和地域内开展业务`,
        },
      },
      run: (w) => sources.appsOutsideLicensedScope(w),
    },
    {
      code: 'app_partners_without_current_agreement',
      severity: 'fail',
      scope: 'current',
      examines: 'app_partner',
      text: {
        en: {
          requirement:
            'Every partner in the third-party cooperative business of an app not retired has an agreement in force and passed a review within the last 12 months',
          source: 'Notice item 8: third-party cooperative business',
        },
        'zh-CN': {
          requirement: '未退出应用的每家第三方合作机构均有在有效期内的合作协议，且在最近12个月内通过审查',
          source: `${NOTICE}第八项：第三方合作业务管理`,
        },
      },
      run: (w) => sources.appPartnersWithoutCurrentAgreement(w),
    },
    {
      code: 'apps_with_untraceable_sales',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: {
          requirement: 'Every product an app in service sells is sold through a traceable (recorded) sales process',
          source: 'Notice item 8: traceable sales and disclosure',
        },
        'zh-CN': {
          requirement: '在用应用销售的每款产品均实现销售行为可回溯（录音录像）',
          source: `${NOTICE}第八项：销售行为可回溯与信息披露`,
        },
      },
      run: (w) => sources.appsWithUntraceableSales(w),
    },
    {
      code: 'apps_without_compliance_review',
      severity: 'fail',
      scope: 'current',
      examines: 'app',
      text: {
        en: {
          requirement: 'Every app in service passed a compliance review of its business within the last 12 months (its latest review)',
          source: 'Notice item 8: compliance review of app business',
        },
        'zh-CN': {
          requirement: '每个在用应用在最近12个月内通过业务合规审查（以最近一次审查为准）',
          source: `${NOTICE}第八项：应用业务合规审查`,
        },
      },
      run: (w) => sources.appsWithoutComplianceReview(w),
    },
    {
      code: 'app_warnings_acknowledged',
      severity: 'fail',
      scope: 'period',
      examines: 'app_warning',
      text: {
        en: {
          requirement: 'Every warning raised by an app’s monitoring (a crossed availability or security-alert threshold) is acknowledged',
          source: 'Notice item 9: monitoring and early warning',
        },
        'zh-CN': {
          requirement: '应用监测触发的每条预警（可用率或安全告警超过阈值）均已确认处置',
          source: `${NOTICE}第九项：监测预警`,
        },
      },
      run: (w) => sources.appWarningsUnacknowledged(w),
    },
    {
      code: 'app_rectification_items_overdue',
      severity: 'fail',
      scope: 'period',
      examines: 'app_rectification_item',
      text: {
        en: {
          requirement:
            'Every rectification item of an on-site or off-site inspection finding on an app is closed, with evidence, by its due date',
          source: 'Notice item 9: urging rectification of inspection findings',
        },
        'zh-CN': {
          requirement: '现场及非现场检查发现的应用问题，每项整改事项均在期限内完成并留存整改证据',
          source: `${NOTICE}第九项：督促整改`,
        },
      },
      run: (w) => sources.appRectificationsOverdue(w),
    },
    {
      code: 'app_events_with_accountability',
      severity: 'fail',
      scope: 'period',
      examines: 'app_event',
      text: {
        en: {
          requirement:
            'Every major app event (a major warning, a regulator-reported or overdue vulnerability, an inspection finding) and every overdue rectification item has an accountability decision',
          source: 'Notice item 9: punishment and accountability',
        },
        'zh-CN': {
          requirement: '每个应用重大事件（重大预警、监管通报或逾期未整改的漏洞、检查发现问题）及每项逾期整改事项均有问责决定',
          source: `${NOTICE}第九项：惩戒问责`,
        },
      },
      run: (w) => sources.appEventsWithoutAccountability(w),
    },
    {
      code: 'audit_chain',
      severity: 'fail',
      scope: 'current',
      examines: 'audit_event',
      text: {
        en: { requirement: 'The audit log verifies from the first event (records kept ≥ 3 years)', source: 'PIPL Art. 56' },
        'zh-CN': { requirement: '审计日志自第一条记录起完整性校验通过（记录保存不少于3年）', source: `${PIPL}第五十六条` },
      },
      run: async () => {
        const result = await audit.verify();
        if (result.valid) return { examined: result.checked, count: 0, examples: [] };
        const where =
          result.firstInvalidEventId ??
          (result.firstInvalidSeq !== undefined ? `seq ${result.firstInvalidSeq}` : `checkpoint ${result.invalidCheckpoint}`);
        return { examined: Math.max(result.checked, 1), count: 1, examples: [where] };
      },
    },
  ];
}

/** One check's outcome, before it is written in a language. */
export interface CheckOutcome {
  readonly definition: ComplianceCheckDefinition;
  readonly status: CheckStatus;
  readonly examined: number;
  readonly count: number;
  readonly examples: readonly string[];
}

/** Runs every check over one window; statuses come from checkStatus alone. */
export class ComplianceChecker {
  constructor(private readonly checks: readonly ComplianceCheckDefinition[]) {}

  /** The record kinds whose example ids the report labels. */
  kinds(): RecordKind[] {
    return [...new Set(this.checks.map((c) => c.examines))];
  }

  async run(window: ReportWindow): Promise<CheckOutcome[]> {
    const outcomes: CheckOutcome[] = [];
    // One after another: the embedded database has a single connection, and each check is a small query.
    for (const definition of this.checks) {
      const finding = await definition.run(window);
      // Counted in two reads, a record added in between could make count exceed examined: never report fewer examined than found.
      const examined = Math.max(finding.examined, finding.count);
      outcomes.push({
        definition,
        status: checkStatus(finding, definition.severity),
        examined,
        count: finding.count,
        examples: [...finding.examples],
      });
    }
    return outcomes;
  }
}
