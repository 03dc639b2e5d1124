import type { ClientRecord } from '../clients/store-type';
import type { OAuthClient } from '../schemas';
import type { AccessTokenClaims } from './access-token-claims';

/**
 * Decides which RFC 9396 authorization_details a client gets in its token, and until when. It must
 * throw an OAuthError `invalid_authorization_details` when the request is not covered by the
 * client's grants. `notAfter` caps the token's `exp`.
 */
export type AuthorizationDetailsHook = (
  client: OAuthClient,
  requested: unknown[],
) => Promise<{ authorizationDetails: unknown[]; notAfter: Date }>;

/** Returns why a token is no longer active, or undefined. */
export type TokenActivityCheck = (claims: AccessTokenClaims, client: ClientRecord) => Promise<string | undefined>;

/**
 * What the vendor-access feature decides about tokens, given to the token endpoint and the verifier
 * when they are built. Without it, vendor clients get invalid_authorization_details and internal
 * clients may not ask for authorization_details.
 */
export interface VendorTokenPolicy {
  /** The RFC 9396 types the token endpoint accepts (published in the server metadata). */
  readonly authorizationDetailsTypes: readonly string[];
  /** The data access a token carries (vendor clients always; internal clients when they ask). */
  authorizationDetails: AuthorizationDetailsHook;
  /** Declares a token inactive (vendor suspended, grant revoked…) with the reason; must be cheap. */
  activity: TokenActivityCheck;
}
