import { ANY_DEPARTMENT, defineRoute, staffPermission, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import {
  AddFields,
  AssetParams,
  CreateDataAsset,
  DataAsset,
  DataAssetDetail,
  DataAssetPage,
  DataAssetQuery,
  FieldParams,
  Retirement,
  UpdateDataAsset,
} from './schemas';
import { assetDepartmentScope, bodyDepartmentScope } from './scope';
import type { DataAssetService } from './service';

const notFound = { 404: { description: 'Unknown data asset', schema: Problem } } as const;
const retired = {
  409: {
    description: 'The asset is retired, or the change conflicts with its state (a retirement with grants depending on it included)',
    schema: Problem,
  },
} as const;

export function dataAssetRoutes(assets: DataAssetService): RouteSpec[] {
  const ofAsset = assetDepartmentScope(assets);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/data-assets',
      operationId: 'createDataAsset',
      summary: 'Register a data asset with its fields',
      description: 'The owning department is required; the caller must be a data owner there (or an administrator).',
      tags: ['data-assets'],
      auth: staffPermission('data_asset', 'create', bodyDepartmentScope('owningDepartment')),
      body: CreateDataAsset,
      responses: {
        201: { description: 'Registered', schema: DataAsset },
        ...problemResponses,
        409: { description: 'The key is taken', schema: Problem },
      },
      handler: async ({ body, change }) => ({ status: 201, body: await assets.create(change, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/data-assets',
      operationId: 'listDataAssets',
      summary: 'List data assets of the departments you may read',
      tags: ['data-assets'],
      auth: staffPermission('data_asset', 'read', ANY_DEPARTMENT),
      query: DataAssetQuery,
      responses: { 200: { description: 'A page of data assets, by key', schema: DataAssetPage }, ...problemResponses },
      handler: async ({ query, access }) => ({ body: await assets.list(query, access) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/data-assets/{id}',
      operationId: 'getDataAsset',
      summary: 'Get a data asset with its fields and ownership transfer history',
      tags: ['data-assets'],
      auth: staffPermission('data_asset', 'read', ofAsset),
      params: AssetParams,
      responses: { 200: { description: 'The data asset', schema: DataAssetDetail }, ...problemResponses, ...notFound },
      handler: async ({ params }) => ({ body: await assets.get(params.id) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/data-assets/{id}',
      operationId: 'updateDataAsset',
      summary: 'Change a data asset’s name, description or classification',
      description: 'Ownership is not changed here: it moves only by an accepted ownership transfer.',
      tags: ['data-assets'],
      auth: staffPermission('data_asset', 'update', ofAsset),
      params: AssetParams,
      body: UpdateDataAsset,
      responses: { 200: { description: 'The updated asset', schema: DataAsset }, ...problemResponses, ...notFound, ...retired },
      handler: async ({ params, body, change }) => ({ body: await assets.update(change, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/data-assets/{id}/retire',
      operationId: 'retireDataAsset',
      summary: 'Retire a data asset (it is kept, never deleted)',
      description:
        'Refused with 409 `grants_depend_on_it`, listing them, while approved grants on the asset have not ended: revoke them first.',
      tags: ['data-assets'],
      auth: staffPermission('data_asset', 'retire', ofAsset),
      params: AssetParams,
      body: Retirement,
      responses: { 200: { description: 'The retired asset', schema: DataAsset }, ...problemResponses, ...notFound, ...retired },
      handler: async ({ params, body, change }) => ({ body: await assets.retire(change, params.id, body.reason) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/data-assets/{id}/fields',
      operationId: 'addDataAssetFields',
      summary: 'Add fields to a data asset',
      description: 'A name already used on the asset is refused with 409, even when that field is retired: retired names stay reserved.',
      tags: ['data-assets'],
      auth: staffPermission('data_asset', 'update', ofAsset),
      params: AssetParams,
      body: AddFields,
      responses: { 201: { description: 'The asset with its new fields', schema: DataAsset }, ...problemResponses, ...notFound, ...retired },
      handler: async ({ params, body, change }) => ({
        status: 201,
        body: await assets.addFields(change, params.id, body.fields),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/data-assets/{id}/fields/{fieldName}/retire',
      operationId: 'retireDataAssetField',
      summary: 'Retire a field (fields are never deleted)',
      description:
        'Refused with 409 `grants_depend_on_it`, listing them, while approved grants naming the field have not ended: revoke them first.',
      tags: ['data-assets'],
      auth: staffPermission('data_asset', 'update', ofAsset),
      params: FieldParams,
      body: Retirement,
      responses: {
        200: { description: 'The asset with the field retired', schema: DataAsset },
        ...problemResponses,
        404: { description: 'Unknown data asset or field', schema: Problem },
        ...retired,
      },
      handler: async ({ params, body, change }) => ({
        body: await assets.retireField(change, params.id, params.fieldName, body.reason),
      }),
    }),
  ];
}
