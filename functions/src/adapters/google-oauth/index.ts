export { createGoogleIdentityProvider } from './googleIdentityProvider';
export {
  GOOGLE_ENDPOINTS,
  GOOGLE_ISSUERS,
  googleSignInOptions,
  localOidcSignInOptions,
  type GoogleIdentityProviderOptions,
  type IdentityEndpoints,
} from './signInOptions';
export type { IdTokenRejection } from './idTokenClaims';
