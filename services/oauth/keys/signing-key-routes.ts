import { GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../../http/route';
import { problemResponses } from '../../shared/schemas';
import { RotateSigningKey, SigningKey, SigningKeyList } from '../schemas';
import type { SigningKeyService } from './signing-keys';

/** /v1/signing-keys: administrators see and rotate the token-signing keys (never their private parts). */
export function signingKeyRoutes(keys: SigningKeyService): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/signing-keys',
      operationId: 'listSigningKeys',
      summary: 'List the token-signing keys and their state',
      tags: ['oauth'],
      auth: staffPermission('signing_key', 'read', GLOBAL),
      responses: { 200: { description: 'Every key, newest first', schema: SigningKeyList }, ...problemResponses },
      handler: async () => ({ body: { items: await keys.list() } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/signing-keys/rotate',
      operationId: 'rotateSigningKey',
      summary: 'Add a new signing key (published now, signing after activateAfterSeconds)',
      description: 'The keys it replaces stop signing when it activates and stay published until every token they signed has expired.',
      tags: ['oauth'],
      auth: staffPermission('signing_key', 'rotate', GLOBAL),
      body: RotateSigningKey,
      responses: { 201: { description: 'The new key', schema: SigningKey }, ...problemResponses },
      handler: async ({ body, change }) => ({ status: 201, body: await keys.rotate(change, body) }),
    }),
  ];
}
