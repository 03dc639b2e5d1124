import type { Context } from 'koa';
import { perAddressRateLimit } from '../http/rate-limit';
import { ANY_DEPARTMENT, GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import {
  CreateNotice,
  Notice,
  NoticePage,
  NoticeParams,
  NoticeQuery,
  PublicNotice,
  PublicNoticeParams,
  PublicNoticeQuery,
  UpdateNotice,
} from './schemas';
import type { NoticeService } from './service';

// Notices are bank-wide like purposes: the role is needed in at least one department.
const WHO_MANAGES = 'Privacy officers write and publish notices.';
const notFound = { 404: { description: 'Unknown notice', schema: Problem } };
const published409 = { 409: { description: 'The notice is published and never changes (`notice_published`)', schema: Problem } };

// A pinned version never changes; the latest may be replaced by a new version at any time.
const PINNED_CACHE = 'public, max-age=86400, immutable';
const LATEST_CACHE = 'public, max-age=60';
/** Per client address: ample for people reading notices, not for scraping them in a loop. */
export const PUBLIC_NOTICE_RATE_LIMIT = { points: 300, windowSeconds: 60 } as const;

/** True when the client's If-None-Match names the current representation (RFC 9110 §13.1.2, weak comparison). */
function notModified(ctx: Context, etag: string): boolean {
  const header = ctx.get('if-none-match');
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** 201 with the draft just opened and where it lives. */
const newDraft = (notice: Notice) => ({ status: 201, body: notice, headers: { Location: `/v1/notices/${notice.id}` } });

export function noticeRoutes(notices: NoticeService): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/notices',
      operationId: 'createNoticeDraft',
      summary: 'Start a draft notice for a purpose (optionally for one app)',
      description: `${WHO_MANAGES} One open draft per purpose and app.`,
      tags: ['notices'],
      auth: staffPermission('notice', 'create', GLOBAL),
      body: CreateNotice,
      responses: {
        201: { description: 'The draft', schema: Notice },
        ...problemResponses,
        409: { description: 'The scope already has an open draft (`notice_draft_exists`)', schema: Problem },
      },
      handler: async ({ body, change }) => newDraft(await notices.createDraft(change, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/notices',
      operationId: 'listNotices',
      summary: 'List notices, drafts and published versions, newest first',
      tags: ['notices'],
      auth: staffPermission('notice', 'read', ANY_DEPARTMENT),
      query: NoticeQuery,
      responses: { 200: { description: 'A page of notices', schema: NoticePage }, ...problemResponses },
      handler: async ({ query }) => ({ body: await notices.list(query, query.limit) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/notices/{id}',
      operationId: 'getNotice',
      summary: 'Get a notice with its diff against the previous published version',
      tags: ['notices'],
      auth: staffPermission('notice', 'read', ANY_DEPARTMENT),
      params: NoticeParams,
      responses: { 200: { description: 'The notice', schema: Notice }, ...problemResponses, ...notFound },
      handler: async ({ params }) => ({ body: await notices.get(params.id) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/notices/{id}',
      operationId: 'updateNotice',
      summary: 'Edit a draft; editing a published version opens a new draft',
      description: `${WHO_MANAGES} Published versions are immutable: a change to one is written to a new draft of the same scope (201).`,
      tags: ['notices'],
      auth: staffPermission('notice', 'update', GLOBAL),
      params: NoticeParams,
      body: UpdateNotice,
      responses: {
        200: { description: 'The changed draft', schema: Notice },
        201: { description: 'A new draft holding the published version with the changes', schema: Notice },
        ...problemResponses,
        ...notFound,
        409: { description: 'The scope already has an open draft (`notice_draft_exists`), or the purpose is retired', schema: Problem },
      },
      handler: async ({ params, body, change }) => {
        const { notice, created } = await notices.update(change, params.id, body);
        return created ? newDraft(notice) : { body: notice };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/notices/{id}',
      operationId: 'discardNoticeDraft',
      summary: 'Discard a draft',
      tags: ['notices'],
      auth: staffPermission('notice', 'discard', GLOBAL),
      params: NoticeParams,
      responses: { 204: { description: 'Discarded' }, ...problemResponses, ...notFound, ...published409 },
      handler: async ({ params, change }) => {
        await notices.discard(change, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/notices/{id}/publish',
      operationId: 'publishNotice',
      summary: 'Publish a draft as the purpose’s next version',
      description:
        `${WHO_MANAGES} Refused (409 \`notice_incomplete\`, listing what is missing) without the PIPL Art. 17 contents or a complaint channel, ` +
        'when the retention differs from the purpose’s, or when a vendor holding grants for the purpose is not listed. ' +
        'The version is material when purpose, categories, third parties or retention changed: consents to earlier versions become stale.',
      tags: ['notices'],
      auth: staffPermission('notice', 'publish', GLOBAL),
      params: NoticeParams,
      responses: {
        200: { description: 'The published version', schema: Notice },
        ...problemResponses,
        ...notFound,
        409: { description: '`notice_incomplete`, `notice_unchanged`, `notice_published` or `purpose_retired`', schema: Problem },
      },
      handler: async ({ params, change }) => ({ body: await notices.publish(change, params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/public/notices/{purposeKey}',
      operationId: 'getPublicNotice',
      summary: 'Read the published notice of a purpose',
      description:
        'No authentication; rate-limited per address. The latest published version, or `?version=N`. ' +
        'Cacheable: send If-None-Match with the ETag for a 304.',
      tags: ['public', 'notices'],
      auth: { kind: 'public' },
      before: [perAddressRateLimit('public-notice', PUBLIC_NOTICE_RATE_LIMIT)],
      params: PublicNoticeParams,
      query: PublicNoticeQuery,
      responses: {
        200: {
          description: 'The notice',
          schema: PublicNotice,
          headers: { ETag: 'Identifies the version', 'Cache-Control': 'How long it may be cached' },
        },
        304: { description: 'The cached version is current', headers: { ETag: 'Identifies the version' } },
        400: { description: 'Invalid input', schema: Problem },
        404: { description: 'Unknown purpose, or no such published version', schema: Problem },
        429: {
          description: 'Too many requests from this address; see Retry-After',
          schema: Problem,
          headers: { 'Retry-After': 'Seconds to wait' },
        },
      },
      handler: async ({ params, query, ctx }) => {
        const notice = await notices.published.publicNotice(params.purposeKey, query);
        const headers = {
          ETag: `"${notice.purpose}.${notice.version}"`,
          'Cache-Control': query.version === undefined ? LATEST_CACHE : PINNED_CACHE,
        };
        return notModified(ctx, headers.ETag) ? { status: 304, headers } : { body: notice, headers };
      },
    }),
  ];
}
