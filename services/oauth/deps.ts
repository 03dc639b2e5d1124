import type { FeatureDeps } from '../feature';
import type { Secrets } from '../secrets';

/** What the authorization server's features use: less than every feature gets, so a bare server (a replica in tests) is easy to build. */
export interface OAuthDeps extends Pick<FeatureDeps, 'config' | 'db' | 'logger' | 'clock' | 'audit' | 'changes' | 'writeLanes'> {
  readonly secrets: Pick<Secrets, 'keyEncryptionKey'>;
}
