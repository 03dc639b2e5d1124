import type { Feature } from '../../feature';
import { every } from '../../platform/every';
import type { OAuthDeps } from '../deps';
import { signingKeyRoutes } from './signing-key-routes';
import { SigningKeyStore } from './signing-key-store';
import { SIGNING_KEYS_CHANGED, SigningKeyService } from './signing-keys';

const RELOAD_INTERVAL_MS = 60_000;

/** The keys that sign access tokens, consent receipts and compliance reports, published at /.well-known/jwks.json. */
export function createSigningKeysFeature(deps: OAuthDeps): Feature<{ signingKeys: SigningKeyService }> {
  const { db, logger, clock, audit, changes, secrets } = deps;
  const signingKeys = new SigningKeyService(db, new SigningKeyStore(db), audit, changes, secrets.keyEncryptionKey, clock);
  changes.subscribe(SIGNING_KEYS_CHANGED, () => signingKeys.load());
  changes.onReconnect(() => signingKeys.load());
  let reload: { stop(): void } | undefined;
  return {
    name: 'oauth-keys',
    provides: { signingKeys },
    routes: signingKeyRoutes(signingKeys),
    readiness: [{ name: 'signing_keys', check: async () => signingKeys.ready }],
    async start() {
      // The first signing key if there is none.
      await signingKeys.ensureKey();
      // Re-read the keys now and then, in case a notice was missed.
      reload = every(RELOAD_INTERVAL_MS, logger, 'signing key reload', () => signingKeys.load());
    },
    async stop() {
      reload?.stop();
    },
  };
}
