import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { IdempotencyKeyTaken, type IdempotencyService, type IdempotentRequest } from '../idempotency';
import {
  ForbiddenError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  ProblemError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../shared/errors';
import type { Actor, ClientActor, DepartmentAccess, RouteSpec, StaffActor } from './route';
import { acceptsIdempotencyKey } from './openapi';
import { parseOrThrow, unstorable } from '../shared/validation';

export interface StaffAuthenticator {
  authenticate(token: string): Promise<StaffActor>;
}

export interface ClientAuthenticator {
  authenticate(token: string): Promise<ClientActor>;
}

export interface StaffAccessResolver {
  /** The departments in which `subject` holds `action` on `object`. */
  access(subject: string, object: string, action: string): Promise<DepartmentAccess>;
}

export interface RouterDeps {
  readonly staffAuth: StaffAuthenticator;
  readonly clientAuth: ClientAuthenticator;
  readonly staffAccess: StaffAccessResolver;
  readonly bodyLimitBytes: number;
  /** Idempotency-Key on POST requests by staff and clients (absent: the header is ignored). */
  readonly idempotency?: IdempotencyService;
}

interface RouteState {
  actor: Actor;
  access: DepartmentAccess;
  params: Record<string, string>;
  requestId: string;
  /** The request's Idempotency-Key claim, handed to services in the change context. */
  idempotent?: IdempotentRequest;
}

const NO_ACCESS: DepartmentAccess = { all: false, departments: [] };

export const koaPath = (openApiPath: string): string => openApiPath.replace(/\{(\w+)\}/g, ':$1');

/** Reads the bearer token from the Authorization header; tokens in the query string are refused. */
export function bearerToken(ctx: Context): string | undefined {
  if (ctx.query.access_token !== undefined) {
    // Refused, never used: URLs end up in logs and browser history (RFC 6750 §2.3, §5.3).
    throw new UnauthorizedError('Send the access token in the Authorization header, never in the URL', undefined, 'invalid_request');
  }
  const header = ctx.get('authorization');
  if (!header) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  if (!match) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"');
  return match[1];
}

function authenticate(route: RouteSpec, deps: RouterDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const state = ctx.state as RouteState;
    if (route.auth.kind === 'public') {
      state.actor = { kind: 'public', address: ctx.ip };
      state.access = NO_ACCESS;
      return next();
    }
    const token = bearerToken(ctx);
    if (token === undefined) throw new UnauthorizedError();
    if (route.auth.kind === 'staff') {
      state.actor = await deps.staffAuth.authenticate(token);
    } else {
      const client = await deps.clientAuth.authenticate(token);
      const { roles, scopes } = route.auth;
      const roleOk = roles !== undefined && roles.some((r) => client.roles.includes(r));
      const scopeOk = scopes !== undefined && scopes.some((s) => client.scopes.includes(s));
      if (!roleOk && !scopeOk) throw new ForbiddenError('This client is not allowed to call this endpoint');
      state.actor = client;
      state.access = NO_ACCESS;
    }
    return next();
  };
}

/** Keys that reach an object's prototype when copied with assignment: never a name in any payload. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON nested deeper than this is refused before anything walks it (validation, the audit log's canonical encoding). */
export const MAX_JSON_DEPTH = 32;

/**
 * Why a parsed body cannot be accepted whatever the route: nested more than `maxDepth` levels, or
 * a key or string that cannot be stored. Iterative, so no body can overflow the stack here.
 */
export function bodyProblem(value: unknown, maxDepth: number): string | undefined {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (typeof item.value === 'string') {
      const why = unstorable(item.value);
      if (why) return `The body contains ${why}`;
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth > maxDepth) return `The body nests more than ${maxDepth} levels deep`;
    for (const [key, child] of Object.entries(item.value)) {
      const why = unstorable(key);
      if (why) return `The body contains ${why}`;
      if (PROTOTYPE_KEYS.has(key)) return `The body contains the key "${key}", which no payload of this API has`;
      pending.push({ value: child, depth: item.depth + 1 });
    }
  }
  return undefined;
}

/** Path and query values that cannot be stored are refused the same way. */
function refuseUnstorable(values: Record<string, unknown>, where: 'path' | 'query'): void {
  for (const [name, value] of Object.entries(values)) {
    for (const text of [name, ...(Array.isArray(value) ? value : [value])]) {
      const why = typeof text === 'string' ? unstorable(text) : undefined;
      if (why) throw new ValidationError(`${where}: ${why} is not allowed`, [{ path: where, message: `contains ${why}` }]);
    }
  }
}

function parseBody(route: RouteSpec, deps: RouterDeps) {
  const type = route.bodyType ?? 'json';
  const expected = type === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  const parser = bodyParser({
    enableTypes: [type],
    jsonLimit: deps.bodyLimitBytes,
    formLimit: deps.bodyLimitBytes,
    jsonStrict: true,
    onError: (err: Error) => {
      const e = err as Error & { status?: number; type?: string };
      if (e.status === 413 || e.type === 'entity.too.large') throw new PayloadTooLargeError(deps.bodyLimitBytes);
      if (e.status === 415) throw new UnsupportedMediaTypeError(expected);
      throw new ValidationError(type === 'json' ? 'The body is not valid JSON' : 'The body is not a valid form', []);
    },
  });
  // Runs whoever parsed the body (a route's own `before` parser included).
  const refuseUnusable = async (ctx: Context, next: Next): Promise<void> => {
    const problem = bodyProblem(ctx.request.body, MAX_JSON_DEPTH);
    if (problem) throw new ValidationError(problem, [{ path: 'body', message: problem }]);
    return next();
  };
  return async (ctx: Context, next: Next): Promise<void> => {
    if (route.body === undefined) return next();
    if (!ctx.is(expected)) throw new UnsupportedMediaTypeError(expected);
    return parser(ctx, () => refuseUnusable(ctx, next));
  };
}

function authorize(route: RouteSpec, deps: RouterDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const state = ctx.state as RouteState;
    refuseUnstorable(ctx.params, 'path');
    refuseUnstorable(ctx.query, 'query');
    const params = route.params ? parseOrThrow(route.params, ctx.params, 'path') : {};
    state.params = params as Record<string, string>;
    if (route.auth.kind !== 'staff') return next();
    const actor = state.actor as StaffActor;
    const { object, action, scope } = route.auth.permission;
    const access = await deps.staffAccess.access(actor.subject, object, action);
    state.access = access;
    let allowed: boolean;
    if (scope.kind === 'global') allowed = access.all;
    else if (scope.kind === 'any') allowed = access.all || access.departments.length > 0;
    else if (scope.kind === 'concerned') {
      // Nothing is looked up for a caller who holds the permission nowhere.
      const held = access.all ? [] : access.departments;
      allowed =
        access.all ||
        (held.length > 0 && (await scope.resolve({ params: state.params, body: ctx.request.body })).some((d) => held.includes(d)));
    } else {
      const department = await scope.resolve({ params: state.params, body: ctx.request.body });
      allowed = access.all || access.departments.includes(department);
    }
    if (!allowed) throw new ForbiddenError(`This action needs the permission ${object}:${action} in the department concerned`);
    return next();
  };
}

/**
 * POST by staff or a client with an Idempotency-Key: a retry replays the first response instead of
 * changing anything again. The key is taken in the change's own transaction (AuditLog.record).
 */
function idempotency(route: RouteSpec, deps: RouterDeps): ((ctx: Context, next: Next) => Promise<void>)[] {
  const service = deps.idempotency;
  if (!service || !acceptsIdempotencyKey(route)) return [];
  if (route.retries === 'answer-afresh') return [answerAfresh(service, handle(route))];
  return [
    async (ctx: Context, next: Next): Promise<void> => {
      const header = ctx.headers['idempotency-key'];
      if (header === undefined) return next();
      const state = ctx.state as RouteState;
      const request = service.begin(state.actor, Array.isArray(header) ? header.join(', ') : header, {
        method: ctx.method,
        path: ctx.path,
        query: ctx.querystring,
        body: ctx.request.body,
      });
      if (await service.replay(ctx, request)) return;
      state.idempotent = request;
      try {
        await next();
      } catch (err) {
        // Another request with this key committed while this one ran (this one then lost a race on the
        // key, or on the row the first one created): answer with what that one did.
        const refused = err instanceof IdempotencyKeyTaken || (err instanceof ProblemError && err.status < 500);
        if (refused && !request.claimed && (await service.replay(ctx, request))) return;
        throw err;
      } finally {
        request.finish();
      }
      if (request.claimed && ctx.status >= 200 && ctx.status < 300) await service.complete(ctx, request);
    },
  ];
}

/**
 * Idempotency-Key on a route whose answer depends on live state: a retry is never replayed; it is
 * answered again and its audit event names the first request's (the first keeps the key).
 */
function answerAfresh(service: IdempotencyService, handler: (ctx: Context) => Promise<void>) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const header = ctx.headers['idempotency-key'];
    if (header === undefined) return next();
    const state = ctx.state as RouteState;
    const body: unknown = ctx.request.body;
    const request = service.begin(state.actor, Array.isArray(header) ? header.join(', ') : header, {
      method: ctx.method,
      path: ctx.path,
      query: ctx.querystring,
      body,
    });
    state.idempotent = request;
    try {
      await service.followEarlier(request);
      try {
        await handler(ctx);
      } catch (err) {
        // The first request with this key committed while this one was answered: answer again as its retry.
        if (!(err instanceof IdempotencyKeyTaken) || request.retryOf || !(await service.followEarlier(request))) throw err;
        await handler(ctx);
      }
    } finally {
      request.finish();
    }
  };
}

function handle(route: RouteSpec) {
  return async (ctx: Context): Promise<void> => {
    const state = ctx.state as RouteState;
    const query = route.query ? parseOrThrow(route.query, { ...ctx.query }, 'query') : {};
    const body = route.body ? parseOrThrow(route.body, ctx.request.body, 'body') : undefined;
    const result = await route.handler({
      params: state.params,
      query,
      body,
      actor: state.actor,
      access: state.access,
      requestId: state.requestId,
      change: { actor: state.actor, requestId: state.requestId, ...(state.idempotent ? { idempotent: state.idempotent } : {}) },
      ctx,
    });
    for (const [name, value] of Object.entries(result.headers ?? {})) ctx.set(name, value);
    ctx.status = result.status ?? 200;
    if (result.body !== undefined) {
      ctx.body = result.body;
      if (result.type) ctx.type = result.type;
    }
  };
}

/** The first two segments of a path or path template, lower-cased (routes match regardless of case); a parameter segment is null. */
function leadingSegments(path: string): { first: string | null; second: string | null | undefined } {
  const [, first = '', second] = path.toLowerCase().split('/', 3);
  const param = (segment: string) => (segment.startsWith(':') ? null : segment);
  return { first: param(first), second: second === undefined || second === '' ? undefined : param(second) };
}

/**
 * The routes, grouped by their first two path segments (a router each), so that a request is
 * matched against the few routes of its group instead of every route of the service: one router
 * tests each of its routes' regular expressions on every request. Within a group the routes keep
 * their declaration order, and a group holds every route that could match its paths (those whose
 * second segment is a parameter included), so each request is answered as by one router.
 */
export class RouteTable {
  private readonly groups = new Map<string, Router>();
  /** First segment → the routes whose second segment is a parameter: for paths no group names. */
  private readonly parameterGroups = new Map<string, Router>();
  /** Set when a route's first segment is a parameter: then every path may match it, and one router holds all. */
  private readonly single: Router | undefined;

  constructor(register: (router: Router, routes: readonly RouteSpec[]) => void, routes: readonly RouteSpec[]) {
    const shapes = routes.map((route) => ({ route, ...leadingSegments(koaPath(route.path)) }));
    if (shapes.some((s) => s.first === null)) {
      this.single = new Router();
      register(this.single, routes);
      return;
    }
    const keys = new Set(shapes.filter((s) => s.second !== null).map((s) => groupKey(s.first as string, s.second as string | undefined)));
    for (const key of keys) {
      const { first, second } = leadingSegments(key);
      const members = shapes.filter((s) => s.first === first && (s.second === second || (second !== undefined && s.second === null)));
      const router = new Router();
      register(
        router,
        members.map((s) => s.route),
      );
      this.groups.set(key, router);
    }
    for (const first of new Set(shapes.filter((s) => s.second === null).map((s) => s.first as string))) {
      const router = new Router();
      register(
        router,
        shapes.filter((s) => s.first === first && s.second === null).map((s) => s.route),
      );
      this.parameterGroups.set(first, router);
    }
  }

  private routerFor(path: string): Router | undefined {
    if (this.single) return this.single;
    const { first, second } = leadingSegments(path);
    if (first === null || second === null) return undefined;
    return this.groups.get(groupKey(first, second)) ?? (second === undefined ? undefined : this.parameterGroups.get(first));
  }

  /** The routing middleware: the request's group routes it; a path no group names falls through (404). */
  routes() {
    const dispatch = new Map<Router, ReturnType<Router['routes']>>();
    for (const router of [this.single, ...this.groups.values(), ...this.parameterGroups.values()])
      if (router) dispatch.set(router, router.routes());
    return async (ctx: Context, next: Next): Promise<void> => {
      const router = this.routerFor(ctx.path);
      const middleware = router && dispatch.get(router);
      return middleware ? middleware(ctx as Parameters<typeof middleware>[0], next) : next();
    };
  }

  /** The routes matching a path (any method), as Router.match answers it. */
  match(path: string, method: string): { path: Array<{ methods: string[] }>; route: boolean } {
    return this.routerFor(path)?.match(path, method) ?? { path: [], route: false };
  }
}

const groupKey = (first: string, second: string | undefined): string => (second === undefined ? `/${first}` : `/${first}/${second}`);

/** Builds the routing from route declarations: authenticate → parse body → authorize → validate → handle. */
export function buildRouter(routes: readonly RouteSpec[], deps: RouterDeps): RouteTable {
  return new RouteTable((router, group) => {
    for (const route of group) {
      router.register(
        koaPath(route.path),
        [route.method.toUpperCase()],
        [
          authenticate(route, deps),
          ...(route.before ?? []),
          parseBody(route, deps),
          authorize(route, deps),
          ...idempotency(route, deps),
          handle(route),
        ],
        { name: route.operationId },
      );
    }
  }, routes);
}

/** 405 with Allow for a known path and another method; everything else falls through to 404. */
export function methodNotAllowed(routes: Pick<RouteTable, 'match'>) {
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    const matched = routes.match(ctx.path, ctx.method);
    if (matched.path.length > 0 && !matched.route) {
      const allowed = new Set<string>();
      for (const layer of matched.path) for (const m of layer.methods) allowed.add(m);
      if (allowed.has('GET')) allowed.add('HEAD');
      throw new MethodNotAllowedError([...allowed].sort());
    }
  };
}
