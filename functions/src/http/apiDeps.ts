import type { Firestore } from '@google-cloud/firestore';
import { firestoreFor } from '../adapters/firestore/client';
import { pubsubGenerationQueue } from '../adapters/pubsub/generationQueue';
import { loadPriceBooks } from '../adapters/priceBookFile';
import { apiConfig, commonConfig, platformCapConfig, type ApiConfig, type CommonConfig } from '../config';
import type { PlatformCap } from '../domain/platformCap';
import type { PriceBook } from '../domain/priceBook';
import { systemClock, type Clock } from '../ports/clock';
import type { IdentityProvider } from '../ports/identityProvider';
import type { GenerationQueue } from '../ports/queue';
import { cookiePolicyFor, type CookiePolicy } from './cookiePolicy';

/** Everything the api function talks to. Built once per instance; tests build their own. */
export interface ApiDeps {
  common: CommonConfig;
  config: ApiConfig;
  db: Firestore;
  clock: Clock;
  priceBooks: readonly PriceBook[];
  identity: IdentityProvider;
  queue: GenerationQueue;
  cookies: CookiePolicy;
  /** The ledger's platform-wide monthly cap, or null for none. */
  platformCap: PlatformCap | null;
}

export function buildApiDeps(): ApiDeps {
  const common = commonConfig();
  const config = apiConfig();
  // The OAuth adapter pulls in google-auth-library: load it only when the api function starts.
  const oauth = require('../adapters/google-oauth') as typeof import('../adapters/google-oauth');
  const signIn = config.oauth.localIssuer
    ? oauth.localOidcSignInOptions({ issuer: config.oauth.localIssuer, clientId: config.oauth.clientId, clientSecret: config.oauth.clientSecret })
    : oauth.googleSignInOptions({ clientId: config.oauth.clientId, clientSecret: config.oauth.clientSecret });
  return {
    common,
    config,
    db: firestoreFor(common.projectId),
    clock: systemClock,
    priceBooks: loadPriceBooks(),
    identity: oauth.createGoogleIdentityProvider(signIn),
    queue: pubsubGenerationQueue(common.projectId, common.generationTopic),
    cookies: cookiePolicyFor(config.publicBaseUrl),
    platformCap: platformCapConfig().platformCap,
  };
}
