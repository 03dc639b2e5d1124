import type { Feature } from '../../feature';
import type { OAuthDeps } from '../deps';
import { CLIENT_CHANGED, ClientDirectory } from './client-directory';
import { clientRoutes } from './client-routes';
import { ClientSecretHasher } from './client-secrets';
import { ClientService } from './client-service';
import { ClientStore } from './client-store';
import { JwksUriPolicy } from './jwks-uri';

export interface ClientsFeature {
  /** OAuth clients: `register`, `disableVendorClients` (the vendor kill switch), rotation. */
  readonly clients: ClientService;
  /** Active clients by id, cached and kept current by the change feed (client authentication, token verification). */
  readonly clientDirectory: ClientDirectory;
  readonly clientSecrets: ClientSecretHasher;
}

/** The authorization server's clients: vendors' and the bank's own systems' machine identities. */
export function createClientsFeature({ config, db, clock, audit, changes, secrets }: OAuthDeps): Feature<ClientsFeature> {
  const store = new ClientStore(db);
  const clientSecrets = new ClientSecretHasher(secrets.keyEncryptionKey);
  const jwksUris = new JwksUriPolicy(config.oauthJwksAllowedHosts, config.production);
  const clientDirectory = new ClientDirectory(store, changes, jwksUris);
  const clients = new ClientService(db, store, audit, changes, clientSecrets, jwksUris, clock);
  changes.subscribe(CLIENT_CHANGED, (p) => clientDirectory.invalidate(String(p.clientId)));
  // What another replica changed while we could not hear it.
  changes.onReconnect(() => clientDirectory.clear());
  return { name: 'oauth-clients', provides: { clients, clientDirectory, clientSecrets }, routes: clientRoutes(clients) };
}
