export { OAuthServer, type OAuthServerOptions } from './oauth-server';
export { ClientService, type AuthorizationDetailsHook } from './client-service';
export { SigningKeyService, SIGNING_KEYS_CHANGED } from './signing-keys';
export { AccessTokenVerifier, InvalidAccessToken, type AccessTokenClaims, type TokenActivityCheck } from './access-token-verifier';
export { OAuthError, type OAuthErrorCode } from './errors';
export { CLIENT_CHANGED } from './client-directory';
export { TOKEN_REVOKED } from './revocation-list';
export { DATA_ACCESS_DETAILS_TYPE, INTERNAL_CLIENT_ROLES } from './settings';
export { OAuthClient, RegisterVendorClient, RegisteredClient, type RegisterClientInput } from './schemas';
