import type { AuditLog } from '../audit';
import type { Config } from '../config';
import type { Db } from '../db';
import type { Logger } from '../logger';
import type { ChangeFeed } from '../platform/change-feed';
import { systemClock, type Clock } from '../platform/clock';
import type { RouteSpec } from '../http/route';
import { AccessTokenIssuer } from './tokens/access-token-issuer';
import { AccessTokenVerifier } from './tokens/access-token-verifier';
import { AuthenticationFailures } from './clients/authentication-failures';
import { ClientAuthentication } from './clients/client-authentication';
import { CLIENT_CHANGED, ClientDirectory } from './clients/client-directory';
import { clientRoutes } from './clients/client-routes';
import { ClientSecretHasher } from './clients/client-secrets';
import { ClientService } from './clients/client-service';
import { ClientStore } from './clients/client-store';
import { IntrospectionEndpoint } from './tokens/introspection';
import { IssuanceJournal } from './tokens/issuance-journal';
import { JwksUriPolicy } from './clients/jwks-uri';
import { endpointUrls, protocolRoutes } from './protocol-routes';
import { RevocationEndpoint } from './tokens/revocation';
import { RevocationList, TOKEN_REVOKED } from './tokens/revocation-list';
import { signingKeyRoutes } from './keys/signing-key-routes';
import { PROTOCOL_FORM_LIMIT_BYTES } from './settings';
import { SigningKeyStore } from './keys/signing-key-store';
import { SIGNING_KEYS_CHANGED, SigningKeyService } from './keys/signing-keys';
import { tokenEndpointChain } from './tokens/token-endpoint';
import { TokenStore } from './tokens/token-store';

export interface OAuthServerOptions {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly audit: AuditLog;
  readonly changes: ChangeFeed;
  readonly keyEncryptionKey: Buffer;
  /** Where token lifetimes, key activation and secret grace periods read the time. */
  readonly clock?: Clock;
}

const PURGE_INTERVAL_MS = 60_000;

/** The authorization server for machine clients, wired: its services, its routes and its start-up. */
export class OAuthServer {
  readonly issuer: string;
  /** Access tokens have this audience: this API (and the bank's data services that consult it). */
  readonly audience: string;
  readonly clients: ClientService;
  readonly signingKeys: SigningKeyService;
  /** Verifies our access tokens on machine-client routes (the router's ClientAuthenticator). */
  readonly accessTokens: AccessTokenVerifier;
  readonly issuance: AccessTokenIssuer;
  readonly journal: IssuanceJournal;
  /** Failed client authentications: throttled, and audited as counts per window. */
  readonly authenticationFailures: AuthenticationFailures;
  readonly routes: RouteSpec[];
  private readonly revocations = new RevocationList();
  private readonly directory: ClientDirectory;
  private readonly tokens: TokenStore;
  private purgeTimer: NodeJS.Timeout | undefined;
  private readonly clock: Clock;

  constructor(private readonly options: OAuthServerOptions) {
    const { config, db, logger, audit, changes } = options;
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    this.issuer = config.publicUrl;
    this.audience = config.publicUrl;
    const clientStore = new ClientStore(db);
    const hasher = new ClientSecretHasher(options.keyEncryptionKey);
    this.tokens = new TokenStore(db);
    const jwksUris = new JwksUriPolicy(config.oauthJwksAllowedHosts, config.production);
    this.directory = new ClientDirectory(clientStore, changes, jwksUris);
    this.clients = new ClientService(db, clientStore, audit, changes, hasher, jwksUris, clock);
    this.signingKeys = new SigningKeyService(db, new SigningKeyStore(db), audit, changes, options.keyEncryptionKey, clock);
    // PGlite has one connection: a second lane would only wait for it. PostgreSQL overlaps two batches.
    this.journal = new IssuanceJournal(db, this.tokens, audit, config.databaseUrl === undefined ? 1 : 2);
    this.issuance = new AccessTokenIssuer(this.signingKeys, this.issuer, this.audience, clock);
    this.accessTokens = new AccessTokenVerifier(
      this.signingKeys,
      this.directory,
      this.revocations,
      this.tokens,
      changes,
      this.issuer,
      this.audience,
      clock,
    );
    this.authenticationFailures = new AuthenticationFailures(this.journal, logger, config.oauthAuthenticationFailures);
    const authentication = new ClientAuthentication(
      this.directory,
      hasher,
      this.journal,
      this.authenticationFailures,
      this.issuer,
      endpointUrls(this.issuer),
      clock,
    );
    this.routes = [
      ...protocolRoutes({
        issuer: this.issuer,
        logger,
        tokenChain: tokenEndpointChain({
          authentication,
          clients: this.clients,
          issuer: this.issuance,
          journal: this.journal,
          rateLimit: config.oauthTokenRateLimit,
        }),
        journal: this.journal,
        introspection: new IntrospectionEndpoint(authentication, this.accessTokens),
        revocation: new RevocationEndpoint(db, authentication, this.accessTokens, this.tokens, audit, changes, clock),
        signingKeys: this.signingKeys,
        authorizationDetailsTypes: () => this.clients.authorizationDetailsTypes,
        formLimitBytes: Math.min(config.bodyLimitBytes, PROTOCOL_FORM_LIMIT_BYTES),
      }),
      ...clientRoutes(this.clients),
      ...signingKeyRoutes(this.signingKeys),
    ];
    changes.subscribe(CLIENT_CHANGED, (p) => this.directory.invalidate(String(p.clientId)));
    changes.subscribe(TOKEN_REVOKED, (p) => this.revocations.add(String(p.jti), Number(p.exp) * 1000));
    changes.subscribe(SIGNING_KEYS_CHANGED, () => this.signingKeys.load());
    changes.onReconnect(() => this.reload());
  }

  get ready(): boolean {
    return this.signingKeys.ready;
  }

  /** Creates the first signing key if there is none, loads keys and revocations, starts housekeeping. */
  async start(): Promise<void> {
    await this.signingKeys.ensureKey();
    await this.loadRevocations();
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
    this.authenticationFailures.start();
  }

  async stop(): Promise<void> {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    await this.authenticationFailures.stop();
    await this.journal.drain();
  }

  /** What another replica changed while we could not hear it: reload everything cached. */
  private async reload(): Promise<void> {
    this.directory.clear();
    await Promise.all([this.signingKeys.load(), this.loadRevocations()]);
  }

  private async loadRevocations(): Promise<void> {
    for (const r of await this.tokens.revokedSince(this.clock.now())) this.revocations.add(r.jti, Date.parse(r.expiresAt));
  }

  /** Housekeeping: forget expired token state, and re-read the keys in case a notice was missed. */
  private async purge(): Promise<void> {
    this.revocations.prune(this.clock.now().getTime());
    try {
      await this.signingKeys.load();
      await this.tokens.purgeExpired(this.clock.now());
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'could not purge expired token state; will retry');
    }
  }
}
