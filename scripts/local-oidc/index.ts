export { startLocalOidc, LOCAL_OIDC_PATHS, type LocalOidc, type LocalOidcOptions, type SignOptions } from './server';
export { DEFAULT_LOCAL_CLIENT, type LocalOidcClient } from './registeredClients';
export { DEFAULT_LOCAL_USER_EMAIL, subjectForEmail } from './localUsers';
export { decodeCompactJwt, withTamperedPayload, type JwtHeader, type JwtPayload } from './compactJwt';
