import { writeLanesFor, type Feature } from '../feature';
import { systemClock, type Clock } from '../platform/clock';
import type { RouteSpec } from '../http/route';
import { createClientsFeature, type ClientsFeature } from './clients';
import type { OAuthDeps } from './deps';
import { createSigningKeysFeature } from './keys';
import type { SigningKeyService } from './keys/signing-keys';
import { createTokensFeature, type TokensFeature } from './tokens';

export interface OAuthServerOptions extends Omit<OAuthDeps, 'secrets' | 'writeLanes' | 'clock'> {
  readonly keyEncryptionKey: Buffer;
  /** Where token lifetimes, key activation and secret grace periods read the time. */
  readonly clock?: Clock;
}

/**
 * The authorization server on its own, without vendor access: its clients, keys and protocol
 * features wired as the service wires them. For a second replica in tests and for benchmarks.
 */
export class OAuthServer {
  readonly clients: ClientsFeature['clients'];
  readonly signingKeys: SigningKeyService;
  readonly accessTokens: TokensFeature['accessTokens'];
  readonly issuance: TokensFeature['issuance'];
  readonly journal: TokensFeature['journal'];
  readonly authenticationFailures: TokensFeature['authenticationFailures'];
  readonly routes: RouteSpec[];
  private readonly features: Feature[];

  constructor(options: OAuthServerOptions) {
    const deps: OAuthDeps = {
      ...options,
      clock: options.clock ?? systemClock,
      secrets: { keyEncryptionKey: options.keyEncryptionKey },
      writeLanes: writeLanesFor(options.config),
    };
    const clients = createClientsFeature(deps);
    const keys = createSigningKeysFeature(deps);
    const tokens = createTokensFeature(deps, { ...clients.provides, signingKeys: keys.provides.signingKeys });
    this.features = [clients, keys, tokens];
    this.clients = clients.provides.clients;
    this.signingKeys = keys.provides.signingKeys;
    this.accessTokens = tokens.provides.accessTokens;
    this.issuance = tokens.provides.issuance;
    this.journal = tokens.provides.journal;
    this.authenticationFailures = tokens.provides.authenticationFailures;
    this.routes = [...(tokens.routes ?? []), ...(clients.routes ?? []), ...(keys.routes ?? [])];
  }

  async start(): Promise<void> {
    for (const feature of this.features) await feature.start?.();
  }

  async stop(): Promise<void> {
    for (const feature of [...this.features].reverse()) await feature.stop?.();
  }
}
