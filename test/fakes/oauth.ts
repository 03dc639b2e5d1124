import crypto from 'node:crypto';
import { createLogger } from '../../services/logger';
import { AuthenticationFailures } from '../../services/oauth/clients/authentication-failures';
import { ClientAuthentication, type ProtocolRequest } from '../../services/oauth/clients/client-authentication';
import { CLIENT_CHANGED, ClientDirectory } from '../../services/oauth/clients/client-directory';
import { ClientSecretHasher } from '../../services/oauth/clients/client-secrets';
import { ClientService } from '../../services/oauth/clients/client-service';
import { FakeClientStore } from '../../services/oauth/clients/fake-store';
import { JwksUriPolicy } from '../../services/oauth/clients/jwks-uri';
import { FakeSigningKeyStore } from '../../services/oauth/keys/fake-store';
import { SIGNING_KEYS_CHANGED, SigningKeyService } from '../../services/oauth/keys/signing-keys';
import { AccessTokenIssuer } from '../../services/oauth/tokens/access-token-issuer';
import { AccessTokenVerifier } from '../../services/oauth/tokens/access-token-verifier';
import { FakeTokenStore } from '../../services/oauth/tokens/fake-store';
import { IssuanceJournal } from '../../services/oauth/tokens/issuance-journal';
import { RevocationEndpoint } from '../../services/oauth/tokens/revocation';
import { RevocationList, TOKEN_REVOKED } from '../../services/oauth/tokens/revocation-list';
import { ManualClock } from '../../services/platform/clock';
import type { ChangeContext } from '../../services/audit';
import { FakeTransactor, RecordingAudit, RecordingChangeFeed } from './ports';

export const ISSUER = 'https://as.example';

/** What a jwks_uri host resolves to in these tests: a public address, so the policy lets it through. */
const PUBLIC_ADDRESS = '93.184.215.14';
const INTERNAL_ADDRESS = '10.0.0.7';

export const admin: ChangeContext = { actor: { kind: 'staff', subject: 'root-admin' }, requestId: 'req-admin' };

/** A protocol request from `ip` with these headers (names lower-case), as client authentication reads it. */
export const protocolRequest = (headers: Record<string, string> = {}, ip = '192.0.2.10'): ProtocolRequest => ({
  ip,
  get: (name: string) => headers[name.toLowerCase()] ?? '',
});

/**
 * The authorization server's clients, keys and tokens wired over in-memory fakes as the features
 * wire them over the database (services/oauth/{clients,keys,tokens}/index.ts), on a clock the test moves.
 */
export function inMemoryOAuth(clock = new ManualClock(new Date())) {
  const tx = new FakeTransactor();
  const audit = new RecordingAudit();
  const feed = new RecordingChangeFeed();
  const keyEncryptionKey = crypto.randomBytes(32);

  const clientStore = new FakeClientStore();
  const secrets = new ClientSecretHasher(keyEncryptionKey);
  // Host names under .internal resolve inside the bank; any other to a public address.
  const jwksUris = new JwksUriPolicy([], true, async (host) => [host.endsWith('.internal') ? INTERNAL_ADDRESS : PUBLIC_ADDRESS]);
  const clients = new ClientService(tx, clientStore, audit, feed, secrets, jwksUris, clock);

  const keyStore = new FakeSigningKeyStore();
  const signingKeys = new SigningKeyService(tx, keyStore, audit, feed, keyEncryptionKey, clock);
  feed.subscribe(SIGNING_KEYS_CHANGED, () => signingKeys.load());

  const tokenStore = new FakeTokenStore();
  const journal = new IssuanceJournal(tx, tokenStore, audit);
  const issuance = new AccessTokenIssuer(signingKeys, ISSUER, ISSUER, clock);
  const revocations = new RevocationList(clock);
  feed.subscribe(TOKEN_REVOKED, (p) => revocations.add(String(p.jti), Number(p.exp) * 1000));

  // Built when a test first uses them: their caches (clients, failure windows, verified tokens) are large to allocate.
  let directory: ClientDirectory | undefined;
  let authentication: ClientAuthentication | undefined;
  let accessTokens: AccessTokenVerifier | undefined;
  let revocation: RevocationEndpoint | undefined;
  feed.subscribe(CLIENT_CHANGED, (p) => directory?.invalidate(String(p.clientId)));
  const urls = { token: `${ISSUER}/oauth/token`, introspection: `${ISSUER}/oauth/introspect`, revocation: `${ISSUER}/oauth/revoke` };

  return {
    clock,
    tx,
    audit,
    feed,
    keyEncryptionKey,
    clientStore,
    secrets,
    clients,
    keyStore,
    signingKeys,
    tokenStore,
    journal,
    issuance,
    revocations,
    get directory(): ClientDirectory {
      directory ??= new ClientDirectory(clientStore, feed, jwksUris);
      return directory;
    },
    get authentication(): ClientAuthentication {
      const failures = () =>
        new AuthenticationFailures(journal, createLogger('silent'), { perAddress: 1000, perClientId: 1000 }, () => clock.now().getTime());
      authentication ??= new ClientAuthentication(this.directory, secrets, journal, failures(), ISSUER, urls, clock);
      return authentication;
    },
    get accessTokens(): AccessTokenVerifier {
      accessTokens ??= new AccessTokenVerifier(
        signingKeys,
        this.directory,
        revocations,
        tokenStore,
        feed,
        ISSUER,
        ISSUER,
        undefined,
        clock,
      );
      return accessTokens;
    },
    get revocation(): RevocationEndpoint {
      revocation ??= new RevocationEndpoint(tx, this.authentication, this.accessTokens, tokenStore, audit, feed, clock);
      return revocation;
    },
  };
}

export type InMemoryOAuth = ReturnType<typeof inMemoryOAuth>;
