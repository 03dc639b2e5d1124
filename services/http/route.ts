import type { Context } from 'koa';
import type { z } from 'zod';
import type { IdempotentRequest } from '../idempotency/request';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who is calling: a member of staff, a machine client, or an anonymous member of the public. */
export type Actor =
  | { readonly kind: 'staff'; readonly subject: string }
  | {
      readonly kind: 'client';
      readonly clientId: string;
      readonly roles: readonly string[];
      readonly scopes: readonly string[];
      readonly vendorId: string | null;
      readonly tokenId: string;
      readonly authorizationDetails?: readonly unknown[];
    }
  | { readonly kind: 'public'; readonly address: string };

/**
 * Who makes a change and under which request: passed from the route to every service call that
 * changes state, and recorded with the change's audit event (AuditLog.record).
 */
export interface ChangeContext {
  readonly actor: Actor | { readonly kind: 'system'; readonly name: string };
  readonly requestId: string | null;
  /**
   * Set when the request carries an Idempotency-Key: the first change recorded under this context
   * takes the key in that change's own transaction, so the key is kept if and only if the change commits.
   */
  readonly idempotent?: IdempotentRequest;
}

export type StaffActor = Extract<Actor, { kind: 'staff' }>;
export type ClientActor = Extract<Actor, { kind: 'client' }>;

/** Which departments the caller holds a permission in: all of them, or the listed codes. */
export type DepartmentAccess = { readonly all: true } | { readonly all: false; readonly departments: readonly string[] };

/**
 * Where a staff permission applies:
 * - global: only a role held for every department (`*`), e.g. creating departments;
 * - any: held in at least one department; the service narrows results with `access`;
 * - department: the department that owns the object, resolved from the request;
 * - concerned: the departments the object concerns (a complaint's linked assets and apps…), resolved
 *   from the request: any one of them will do; an object that concerns none is for `*` holders only.
 */
export type PermissionScope =
  | { readonly kind: 'global' }
  | { readonly kind: 'any' }
  | { readonly kind: 'department'; readonly resolve: (req: ScopeRequest) => Promise<string> }
  | { readonly kind: 'concerned'; readonly resolve: (req: ScopeRequest) => Promise<readonly string[]> };

export interface StaffPermission {
  readonly object: string;
  readonly action: string;
  readonly scope: PermissionScope;
}

export type RouteAuth =
  | { readonly kind: 'public' }
  | { readonly kind: 'staff'; readonly permission: StaffPermission }
  /** Machine clients holding at least one of `roles` (internal clients) or, when given, one of `scopes`. */
  | { readonly kind: 'client'; readonly roles?: readonly string[]; readonly scopes?: readonly string[] };

export interface ScopeRequest {
  readonly params: Record<string, string>;
  readonly body: unknown;
}

export interface RouteRequest<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly actor: Actor;
  readonly requestId: string;
  /** The actor, the request id and the Idempotency-Key claim, for the services that change state. */
  readonly change: ChangeContext;
  /** Set on staff routes: the departments in which the caller holds the route's permission. */
  readonly access: DepartmentAccess;
  readonly ctx: Context;
}

export interface RouteResult {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Content type when the body is not JSON (e.g. text/csv). */
  readonly type?: string;
}

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Extra representations, e.g. { 'text/csv': z.string() }. */
  readonly alternatives?: Readonly<Record<string, z.ZodType>>;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  readonly method: HttpMethod;
  /** OpenAPI-style path, e.g. /v1/data-assets/{id}. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly auth: RouteAuth;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Media type of the body; JSON unless the protocol says otherwise (OAuth uses forms). */
  readonly bodyType?: 'json' | 'form';
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /**
   * What a retry with the same Idempotency-Key gets: the first response again (`replay`, the
   * default, for changes), or a fresh answer from live state that names the first request
   * (`answer-afresh`, for answers such as decisions that a suspension or revocation must change),
   * or `none`: the route takes no Idempotency-Key (protocols that define none, e.g. AuthZEN).
   */
  readonly retries?: 'replay' | 'answer-afresh' | 'none';
  /** Koa middleware run after authentication and before validation (rate limits, no-store headers…). */
  readonly before?: ReadonlyArray<(ctx: Context, next: () => Promise<void>) => Promise<void>>;
  readonly handler: (req: RouteRequest<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult>;
}

/** A handler's answer for a route that creates something: 201, with what the service made as the body. */
export const created = async (made: Promise<unknown>): Promise<RouteResult> => ({ status: 201, body: await made });

/** Declares a route; the generic parameters carry the schemas' types into the handler. */
export function defineRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

export const staffPermission = (object: string, action: string, scope: PermissionScope): RouteAuth => ({
  kind: 'staff',
  permission: { object, action, scope },
});

export const GLOBAL: PermissionScope = { kind: 'global' };
export const ANY_DEPARTMENT: PermissionScope = { kind: 'any' };
