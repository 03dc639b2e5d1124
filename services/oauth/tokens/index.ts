import type { Feature } from '../../feature';
import { every } from '../../platform/every';
import { AuthenticationFailures } from '../clients/authentication-failures';
import { ClientAuthentication } from '../clients/client-authentication';
import type { ClientDirectory } from '../clients/client-directory';
import type { ClientSecretHasher } from '../clients/client-secrets';
import type { OAuthDeps } from '../deps';
import type { SigningKeyService } from '../keys/signing-keys';
import { endpointUrls, protocolRoutes } from '../protocol-routes';
import { PROTOCOL_FORM_LIMIT_BYTES } from '../settings';
import { AccessTokenIssuer } from './access-token-issuer';
import { AccessTokenVerifier } from './access-token-verifier';
import { IntrospectionEndpoint } from './introspection';
import { IssuanceJournal } from './issuance-journal';
import { RevocationEndpoint } from './revocation';
import { RevocationList, TOKEN_REVOKED } from './revocation-list';
import { tokenEndpointChain } from './token-endpoint';
import { TokenStore } from './token-store';
import type { VendorTokenPolicy } from './vendor-token-policy';

const PURGE_INTERVAL_MS = 60_000;

export interface TokensFeature {
  /** This server's issuer; access tokens have this audience too: this API (and the bank's data services that consult it). */
  readonly issuer: string;
  readonly audience: string;
  /** Verifies our access tokens on machine-client routes (the router's ClientAuthenticator). */
  readonly accessTokens: AccessTokenVerifier;
  readonly issuance: AccessTokenIssuer;
  readonly journal: IssuanceJournal;
  /** Failed client authentications: throttled, and audited as counts per window. */
  readonly authenticationFailures: AuthenticationFailures;
}

export interface TokensPorts {
  readonly clientDirectory: ClientDirectory;
  readonly clientSecrets: ClientSecretHasher;
  readonly signingKeys: SigningKeyService;
  /** What vendor tokens carry and how long they stay active (the vendor-access feature); none for a bare server. */
  readonly vendorTokens?: VendorTokenPolicy;
}

/** The authorization server's protocol: client-credentials tokens, introspection, revocation and metadata. */
export function createTokensFeature(deps: OAuthDeps, ports: TokensPorts): Feature<TokensFeature> {
  const { config, db, logger, clock, audit, changes } = deps;
  const { clientDirectory, clientSecrets, signingKeys, vendorTokens } = ports;
  const issuer = config.publicUrl;
  const tokens = new TokenStore(db);
  const revocations = new RevocationList(clock);
  const journal = new IssuanceJournal(db, tokens, audit, deps.writeLanes);
  const issuance = new AccessTokenIssuer(signingKeys, issuer, issuer, clock);
  const accessTokens = new AccessTokenVerifier(
    signingKeys,
    clientDirectory,
    revocations,
    tokens,
    changes,
    issuer,
    issuer,
    vendorTokens,
    clock,
  );
  const authenticationFailures = new AuthenticationFailures(journal, logger, config.oauthAuthenticationFailures);
  const urls = endpointUrls(issuer);
  const authentication = new ClientAuthentication(clientDirectory, clientSecrets, journal, authenticationFailures, issuer, urls, clock);
  const loadRevocations = async () => {
    for (const r of await tokens.revokedSince(clock.now())) revocations.add(r.jti, Date.parse(r.expiresAt));
  };
  changes.subscribe(TOKEN_REVOKED, (p) => revocations.add(String(p.jti), Number(p.exp) * 1000));
  changes.onReconnect(loadRevocations);
  let purge: { stop(): void } | undefined;
  return {
    name: 'oauth-tokens',
    provides: { issuer, audience: issuer, accessTokens, issuance, journal, authenticationFailures },
    routes: protocolRoutes({
      issuer,
      logger,
      tokenChain: tokenEndpointChain({
        authentication,
        vendorTokens,
        issuer: issuance,
        journal,
        rateLimit: config.oauthTokenRateLimit,
        clock,
      }),
      journal,
      introspection: new IntrospectionEndpoint(authentication, accessTokens),
      revocation: new RevocationEndpoint(db, authentication, accessTokens, tokens, audit, changes, clock),
      signingKeys,
      authorizationDetailsTypes: () => vendorTokens?.authorizationDetailsTypes ?? [],
      formLimitBytes: Math.min(config.bodyLimitBytes, PROTOCOL_FORM_LIMIT_BYTES),
    }),
    async start() {
      await loadRevocations();
      // Housekeeping: forget expired token state.
      purge = every(PURGE_INTERVAL_MS, logger, 'purging expired token state', async () => {
        revocations.prune();
        await tokens.purgeExpired(clock.now());
      });
      authenticationFailures.start();
    },
    async stop() {
      purge?.stop();
      await authenticationFailures.stop();
      await journal.drain();
    },
  };
}
