import { assetDepartmentScope } from '../data-assets/scope';
import type { DataAssetService } from '../data-assets/service';
import { csvResult, jsonOrCsv } from '../shared/csv';
import { ANY_DEPARTMENT, defineRoute, staffPermission, type PermissionScope, type RouteResult, type RouteSpec } from '../http/route';
import { IdParams, Problem, problemResponses } from '../shared/schemas';
import { ownershipMapCsv, type OwnershipMapService } from './map';
import {
  OwnershipMap,
  OwnershipMapCsv,
  OwnershipMapQuery,
  OwnershipTransfer,
  ProposeTransfer,
  RejectTransfer,
  TransferHistory,
  TransferPage,
  TransferParams,
  TransferQuery,
} from './schemas';
import type { OwnershipTransferService } from './service';

const notFound = { 404: { description: 'Unknown data asset or transfer', schema: Problem } } as const;
const notOpen = { 409: { description: 'The transfer is no longer open', schema: Problem } } as const;

/** The department on one side of the transfer in the path: `from` proposed it, `to` receives the asset. */
const transferSide = (transfers: OwnershipTransferService, side: 'from' | 'to'): PermissionScope => ({
  kind: 'department',
  resolve: async ({ params }) => transfers.departmentOf(params.id, params.transferId, side),
});

export function ownershipRoutes(assets: DataAssetService, transfers: OwnershipTransferService, map: OwnershipMapService): RouteSpec[] {
  const ofAsset = assetDepartmentScope(assets);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/data-assets/{id}/ownership-transfers',
      operationId: 'proposeOwnershipTransfer',
      summary: 'Propose moving the asset to another department',
      description: 'Only one transfer per asset may be open at a time.',
      tags: ['ownership'],
      auth: staffPermission('data_asset', 'transfer', ofAsset),
      params: IdParams,
      body: ProposeTransfer,
      responses: {
        201: { description: 'Proposed', schema: OwnershipTransfer },
        ...problemResponses,
        404: { description: 'Unknown data asset', schema: Problem },
        409: { description: 'A transfer is already open, or the asset is retired', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({
        status: 201,
        body: await transfers.propose(change, params.id, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/data-assets/{id}/ownership-transfers',
      operationId: 'listAssetOwnershipTransfers',
      summary: 'The asset’s ownership transfer history, newest first',
      tags: ['ownership'],
      auth: staffPermission('data_asset', 'read', ofAsset),
      params: IdParams,
      responses: { 200: { description: 'The history', schema: TransferHistory }, ...problemResponses, ...notFound },
      handler: async ({ params }) => ({ body: { items: await transfers.history(params.id) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/data-assets/{id}/ownership-transfers/{transferId}/accept',
      operationId: 'acceptOwnershipTransfer',
      summary: 'Accept a transfer: the receiving department becomes the owner',
      description: 'For a data owner of the receiving department other than the proposer.',
      tags: ['ownership'],
      auth: staffPermission('data_asset', 'accept_transfer', transferSide(transfers, 'to')),
      params: TransferParams,
      responses: { 200: { description: 'Accepted', schema: OwnershipTransfer }, ...problemResponses, ...notFound, ...notOpen },
      handler: async ({ params, change }) => ({
        body: await transfers.accept(change, params.id, params.transferId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/data-assets/{id}/ownership-transfers/{transferId}/reject',
      operationId: 'rejectOwnershipTransfer',
      summary: 'Reject a transfer, with a note',
      tags: ['ownership'],
      auth: staffPermission('data_asset', 'accept_transfer', transferSide(transfers, 'to')),
      params: TransferParams,
      body: RejectTransfer,
      responses: { 200: { description: 'Rejected', schema: OwnershipTransfer }, ...problemResponses, ...notFound, ...notOpen },
      handler: async ({ params, body, change }) => ({
        body: await transfers.reject(change, params.id, params.transferId, body.note),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/data-assets/{id}/ownership-transfers/{transferId}/cancel',
      operationId: 'cancelOwnershipTransfer',
      summary: 'Withdraw a proposed transfer (the proposing department)',
      tags: ['ownership'],
      auth: staffPermission('data_asset', 'transfer', transferSide(transfers, 'from')),
      params: TransferParams,
      responses: { 200: { description: 'Cancelled', schema: OwnershipTransfer }, ...problemResponses, ...notFound, ...notOpen },
      handler: async ({ params, change }) => ({
        body: await transfers.cancel(change, params.id, params.transferId),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/ownership-transfers',
      operationId: 'listOwnershipTransfers',
      summary: 'Transfers to or from the departments you may read (the receiving data owners’ in-tray)',
      tags: ['ownership'],
      auth: staffPermission('data_asset', 'read', ANY_DEPARTMENT),
      query: TransferQuery,
      responses: { 200: { description: 'A page of transfers, newest first', schema: TransferPage }, ...problemResponses },
      handler: async ({ query, access }) => ({ body: await transfers.list(query, access) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/ownership-map',
      operationId: 'getOwnershipMap',
      summary: 'Every asset you may see with its owning department, data owners and PI field counts',
      description: 'JSON by default; RFC 4180 CSV with `Accept: text/csv`.',
      tags: ['ownership'],
      auth: staffPermission('ownership_map', 'read', ANY_DEPARTMENT),
      query: OwnershipMapQuery,
      responses: {
        200: {
          description: 'The ownership map',
          schema: OwnershipMap,
          alternatives: { 'text/csv': OwnershipMapCsv },
          headers: { Vary: 'Accept' },
        },
        ...problemResponses,
        406: { description: 'Neither JSON nor CSV is acceptable', schema: Problem },
      },
      handler: async ({ query, access, ctx }): Promise<RouteResult> => {
        const format = jsonOrCsv(ctx);
        const result = await map.build(query, access);
        return format === 'csv'
          ? csvResult(ownershipMapCsv(result.items), 'ownership-map.csv')
          : { body: result, headers: { Vary: 'Accept' } };
      },
    }),
  ];
}
