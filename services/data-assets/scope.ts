import { ValidationError } from '../shared/errors';
import type { PermissionScope, ScopeRequest } from '../http/route';
import { DepartmentCode } from '../shared/schemas';
import type { DataAssetService } from './service';

/**
 * "The department that owns asset X" as a route permission scope. `locate` names the asset (id or
 * key) in the request; the default is the `id` path parameter. An unknown asset is a 404; a request
 * that does not name one is a 400 (scopes run before body validation).
 */
export function assetDepartmentScope(
  assets: Pick<DataAssetService, 'owningDepartment'>,
  locate: (req: ScopeRequest) => unknown = (req) => req.params.id,
  where = 'path.id',
): PermissionScope {
  return {
    kind: 'department',
    resolve: async (req) => {
      const ref = locate(req);
      if (typeof ref !== 'string' || ref.length === 0 || ref.length > 100) {
        throw new ValidationError(`${where}: name a data asset by id or key`, [
          { path: where, message: 'a data asset id or key is required' },
        ]);
      }
      return assets.owningDepartment(ref);
    },
  };
}

/** A department code taken from a body property, for creating things in that department. */
export function bodyDepartmentScope(property: string): PermissionScope {
  return {
    kind: 'department',
    resolve: async ({ body }) => {
      const value = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[property] : undefined;
      const parsed = DepartmentCode.safeParse(value);
      if (!parsed.success) {
        const path = `body.${property}`;
        throw new ValidationError(`${path}: a department code is required`, [{ path, message: 'a department code is required' }]);
      }
      return parsed.data;
    },
  };
}
