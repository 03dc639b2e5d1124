import type { JWTPayload } from 'jose';

/** The claims of our RFC 9068 access tokens. */
export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly sub: string;
  readonly client_id: string;
  readonly jti: string;
  readonly exp: number;
  readonly iat: number;
  readonly scope?: string;
  readonly authorization_details?: unknown[];
}
