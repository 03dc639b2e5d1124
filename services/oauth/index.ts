export { OAuthServer, type OAuthServerOptions } from './oauth-server';
export { ClientService, type AuthorizationDetailsHook } from './clients/client-service';
export { SigningKeyService, SIGNING_KEYS_CHANGED } from './keys/signing-keys';
export { AccessTokenVerifier, InvalidAccessToken, type AccessTokenClaims, type TokenActivityCheck } from './tokens/access-token-verifier';
export { OAuthError, type OAuthErrorCode } from './errors';
export { CLIENT_CHANGED } from './clients/client-directory';
export { TOKEN_REVOKED } from './tokens/revocation-list';
export { DATA_ACCESS_DETAILS_TYPE, INTERNAL_CLIENT_ROLES } from './settings';
export { OAuthClient, RegisterVendorClient, RegisteredClient, type RegisterClientInput } from './schemas';
