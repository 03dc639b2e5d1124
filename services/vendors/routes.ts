import { ANY_DEPARTMENT, GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import {
  CreateVendor,
  StatusChange,
  UpdateVendor,
  Vendor,
  VendorPage,
  VendorParams,
  VendorQuery,
  VendorStatusHistoryPage,
  VendorStatusHistoryQuery,
} from './schemas';
import type { VendorService } from './service';

// Vendors are bank-wide, not owned by a department. Registering, reading and suspending (the kill switch,
// which only ever takes access away) need the permission in at least one department; anything whose effect
// reaches every department's assets (the contract, termination, reinstatement, OAuth clients) needs it for
// every department ('*').
const WHO_READS = 'Readable by admins, data owners, vendor managers, privacy officers and auditors.';
const BANK_WIDE = 'Its effect reaches every department’s assets, so the role must be held for every department (`*`).';
const SEPARATION =
  'Separation of duties: vendor managers register and maintain vendors and may suspend or terminate them; ' +
  'privacy officers may suspend or terminate (containment) and alone may reinstate, so the team that relies on a vendor cannot undo a privacy officer’s suspension. ' +
  'A vendor held by the containment of an incident that is not closed is reinstated only after the incident’s handler releases it (409 `vendor_held_by_containment`).';

const notFound = { 404: { description: 'Unknown vendor', schema: Problem } };
const transitionConflict = (codes: string) => ({
  409: { description: `Not allowed from the vendor’s status (${codes})`, schema: Problem },
});

export function vendorRoutes(vendors: VendorService): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/vendors',
      operationId: 'createVendor',
      summary: 'Register an outsourcing vendor and its contract',
      description: 'Vendor managers only. Every contract purpose must exist and be active; the contract must end after it starts.',
      tags: ['vendors'],
      auth: staffPermission('vendor', 'create', ANY_DEPARTMENT),
      body: CreateVendor,
      responses: {
        201: { description: 'Registered, active', schema: Vendor },
        ...problemResponses,
        409: { description: 'The name or unified social credit code is taken (`vendor_exists`)', schema: Problem },
      },
      handler: async ({ body, change }) => ({ status: 201, body: await vendors.create(change, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/vendors',
      operationId: 'listVendors',
      summary: 'List vendors, oldest first',
      description: WHO_READS,
      tags: ['vendors'],
      auth: staffPermission('vendor', 'read', ANY_DEPARTMENT),
      query: VendorQuery,
      responses: { 200: { description: 'A page of vendors', schema: VendorPage }, ...problemResponses },
      handler: async ({ query }) => ({ body: await vendors.list(query, query.limit) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/vendors/{id}',
      operationId: 'getVendor',
      summary: 'Get a vendor',
      description: WHO_READS,
      tags: ['vendors'],
      auth: staffPermission('vendor', 'read', ANY_DEPARTMENT),
      params: VendorParams,
      responses: { 200: { description: 'The vendor', schema: Vendor }, ...problemResponses, ...notFound },
      handler: async ({ params }) => ({ body: await vendors.get(params.id) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/vendors/{id}',
      operationId: 'updateVendor',
      summary: 'Change a vendor’s contacts, security assessment or contract (reference, a later end, purposes)',
      description: `Vendor managers only. A terminated vendor never changes. Purposes added to the contract must be active. ${BANK_WIDE}`,
      tags: ['vendors'],
      auth: staffPermission('vendor', 'update', GLOBAL),
      params: VendorParams,
      body: UpdateVendor,
      responses: {
        200: { description: 'The updated vendor', schema: Vendor },
        ...problemResponses,
        ...notFound,
        ...transitionConflict('`vendor_terminated`, or `contract_end_not_extended` for an earlier end'),
      },
      handler: async ({ params, body, change }) => ({ body: await vendors.update(change, params.id, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/vendors/{id}/status-history',
      operationId: 'listVendorStatusHistory',
      summary: 'Every status a vendor has had, oldest first, with who changed it and why',
      description: WHO_READS,
      tags: ['vendors'],
      auth: staffPermission('vendor', 'read', ANY_DEPARTMENT),
      params: VendorParams,
      query: VendorStatusHistoryQuery,
      responses: { 200: { description: 'A page of status changes', schema: VendorStatusHistoryPage }, ...problemResponses, ...notFound },
      handler: async ({ params, query }) => ({ body: await vendors.statusHistory(params.id, query.cursor, query.limit) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/vendors/{id}/suspend',
      operationId: 'suspendVendor',
      summary: 'Suspend a vendor (kill switch): every later decision for it is a deny',
      description: `Privacy officers or vendor managers, from \`active\`. ${SEPARATION}`,
      tags: ['vendors'],
      auth: staffPermission('vendor', 'suspend', ANY_DEPARTMENT),
      params: VendorParams,
      body: StatusChange,
      responses: {
        200: { description: 'Suspended', schema: Vendor },
        ...problemResponses,
        ...notFound,
        ...transitionConflict('`vendor_already_suspended`, `vendor_terminated`'),
      },
      handler: async ({ params, body, change }) => ({
        body: await vendors.suspend(change, params.id, body.reason),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/vendors/{id}/reinstate',
      operationId: 'reinstateVendor',
      summary: 'Reinstate a suspended vendor',
      description: `Privacy officers only, from \`suspended\`. ${BANK_WIDE} ${SEPARATION}`,
      tags: ['vendors'],
      auth: staffPermission('vendor', 'reinstate', GLOBAL),
      params: VendorParams,
      body: StatusChange,
      responses: {
        200: { description: 'Active again', schema: Vendor },
        ...problemResponses,
        ...notFound,
        ...transitionConflict('`vendor_not_suspended`, `vendor_terminated`, `vendor_held_by_containment`'),
      },
      handler: async ({ params, body, change }) => ({
        body: await vendors.reinstate(change, params.id, body.reason),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/vendors/{id}/terminate',
      operationId: 'terminateVendor',
      summary: 'Terminate a vendor for good; its grants are revoked and its clients disabled in the same transaction',
      description: `Vendor managers or privacy officers, from \`active\` or \`suspended\`; irreversible. ${BANK_WIDE} ${SEPARATION}`,
      tags: ['vendors'],
      auth: staffPermission('vendor', 'terminate', GLOBAL),
      params: VendorParams,
      body: StatusChange,
      responses: {
        200: { description: 'Terminated', schema: Vendor },
        ...problemResponses,
        ...notFound,
        ...transitionConflict('`vendor_terminated`'),
      },
      handler: async ({ params, body, change }) => ({
        body: await vendors.terminate(change, params.id, body.reason),
      }),
    }),
  ];
}
