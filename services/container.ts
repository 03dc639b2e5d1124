import { createAccessGrantsFeature } from './access-grants';
import { createAppsFeature } from './apps';
import { createAuditFeature } from './audit';
import { JwtStaffAuthenticator } from './auth';
import { createComplaintsFeature } from './complaints';
import { createConsentsFeature } from './consents';
import { createDataAssetsFeature } from './data-assets';
import { createDecisionsFeature } from './decisions';
import { createDepartmentsFeature } from './departments';
import type { FeatureDeps } from './feature';
import { House, type Container, type ContainerOptions } from './house';
import { createIdempotencyFeature } from './idempotency';
import { createIncidentsFeature } from './incidents';
import { createNoticesFeature } from './notices';
import { createClientsFeature, createSigningKeysFeature, createTokensFeature } from './oauth';
import { createPurposesFeature } from './purposes';
import { createReportsFeature } from './reports';
import { createRoleAssignmentsFeature } from './role-assignments';
import { createVendorsFeature } from './vendors';

export type { Container, ContainerOptions } from './house';

/**
 * The composition root: every feature, each after the features it is given. A feature wires itself
 * from these ports; whatever a later feature must add to an earlier one's work arrives as an event
 * it subscribes to when built (vendor lifecycle) or as a source gathered here (compliance report).
 */
export function createContainer(options: ContainerOptions): Container {
  const house = new House(options);
  const { audit, auditCheckpoints, auditRetention } = house.add(createAuditFeature(house.platform));
  const deps: FeatureDeps = { ...house.platform, audit };
  const { idempotency } = house.add(createIdempotencyFeature(deps));
  const { departments } = house.add(createDepartmentsFeature(deps));
  const { roleAssignments, staffAuthorizer } = house.add(createRoleAssignmentsFeature(deps, { departments }));
  const { dataAssets, ownershipTransfers } = house.add(createDataAssetsFeature(deps, { departments, staffAuthorizer }));
  const { purposes } = house.add(createPurposesFeature(deps));
  const { clients, clientDirectory, clientSecrets } = house.add(createClientsFeature(deps));
  const { signingKeys } = house.add(createSigningKeysFeature(deps));
  const { vendors, vendorLifecycle } = house.add(createVendorsFeature(deps, { purposes, clients }));
  const { accessGrants, grantDirectory, grantRecords } = house.add(
    createAccessGrantsFeature(deps, { staffAuthorizer, vendors, vendorLifecycle, dataAssets, purposes }),
  );
  const { notices } = house.add(createNoticesFeature(deps, { purposes }));
  const { consents } = house.add(createConsentsFeature(deps, { published: notices.published, signer: signingKeys }));
  const { decisions, accessEngine, vendorTokens } = house.add(
    createDecisionsFeature(deps, { grantRecords, grantDirectory, vendors, consents }),
  );
  const tokens = house.add(createTokensFeature(deps, { clientDirectory, clientSecrets, signingKeys, vendorTokens }));
  const { apps } = house.add(createAppsFeature(deps, { departments, dataAssets, purposes, notices, staffAuthorizer, vendors, clients }));
  const { incidents } = house.add(
    createIncidentsFeature(deps, { departments, dataAssets, vendors, vendorLifecycle, accessGrants, clients }),
  );
  const { complaints } = house.add(createComplaintsFeature(deps, { dataAssets, vendors, incidents, staffAuthorizer }));
  house.add(createReportsFeature(deps, { sources: house.complianceSources(), signer: signingKeys }));

  const { staff } = options.config;
  return house.assemble({
    staffAuth: new JwtStaffAuthenticator(options.staffKeys, staff.issuer, staff.audience, staff.tokenLimits, house.platform.clock),
    clientAuth: tokens.accessTokens,
    oauth: { ...tokens, clients, signingKeys },
    audit,
    auditCheckpoints,
    auditRetention,
    idempotency,
    staffAuthorizer,
    clients,
    vendorTokens,
    departments,
    roleAssignments,
    dataAssets,
    ownershipTransfers,
    purposes,
    vendors,
    vendorLifecycle,
    accessGrants,
    apps,
    accessEngine,
    decisions,
    notices,
    consents,
    incidents,
    complaints,
  });
}
