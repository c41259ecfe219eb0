import type { Firestore } from '@google-cloud/firestore';
import type { Subscription } from '@google-cloud/pubsub';
import { PubSub } from '@google-cloud/pubsub';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startLocalOidc, type LocalOidc } from '../../scripts/local-oidc';
import { fastRequest } from './requests';

export const PUBLIC_BASE_URL = 'http://127.0.0.1:3000';
export const ORIGIN = 'http://127.0.0.1:3000';

export interface ApiHarness {
  projectId: string;
  oidc: LocalOidc;
  server: import('node:http').Server;
  api: () => request.Agent;
  db: Firestore;
  pubsub: PubSub;
  subscription: Subscription;
  /** Messages the api published to generation-requests, by generationId. */
  published(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * The real api function (functions-framework getTestServer) on this file's own Firestore project
 * and Pub/Sub topic, signing in against the real local OpenID provider over HTTP.
 */
export async function startApiHarness(label: string, env: Record<string, string> = {}): Promise<ApiHarness> {
  const oidc = await startLocalOidc({});
  const projectId = `api-${label}-${randomUUID().slice(0, 8)}`.toLowerCase();
  Object.assign(process.env, {
    REELGUARD_MODE: 'local',
    GOOGLE_CLOUD_PROJECT: projectId,
    OAUTH_CLIENT_ID: oidc.clientId,
    OAUTH_CLIENT_SECRET: oidc.clientSecret,
    LOCAL_OIDC_ISSUER: oidc.issuer,
    PUBLIC_BASE_URL,
    ...env,
  });
  const pubsub = new PubSub({ projectId });
  const [topic] = await pubsub.createTopic('generation-requests');
  const [subscription] = await topic.createSubscription(`count-${randomUUID().slice(0, 8)}`);
  const received: string[] = [];
  subscription.on('message', (message) => {
    received.push(JSON.parse(message.data.toString('utf8')).generationId);
    message.ack();
  });

  require('../../functions/src/index');
  const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
  const server = getTestServer('api');
  const { firestoreFor } = require('../../functions/src/adapters/firestore/client') as typeof import('../../functions/src/adapters/firestore/client');
  const db = firestoreFor(projectId);
  return {
    projectId,
    oidc,
    server,
    api: () => request.agent(server),
    db,
    pubsub,
    subscription,
    async published() {
      // Streaming pull delivers within a few hundred ms on the emulator.
      await new Promise((r) => setTimeout(r, 1500));
      return [...received];
    },
    async stop() {
      await subscription.close();
      await pubsub.close();
      await oidc.stop();
      server.close();
      await db.terminate();
    },
  };
}

/** The session cookie of a fresh sign-in, by following the real code flow hop by hop. */
export async function signIn(h: ApiHarness, email: string): Promise<string> {
  const login = await request(h.server).get('/auth/login').query({ login_hint: email });
  if (login.status !== 302) throw new Error(`login answered ${login.status}: ${JSON.stringify(login.body)}`);
  const loginCookie = cookieFrom(login.headers['set-cookie'], 'login');
  const authorize = await fetch(login.headers.location!, { redirect: 'manual' });
  const callback = new URL(authorize.headers.get('location')!);
  const done = await request(h.server).get(`${callback.pathname}${callback.search}`).set('Cookie', loginCookie);
  if (done.status !== 302) throw new Error(`callback answered ${done.status}: ${JSON.stringify(done.body)}`);
  return cookieFrom(done.headers['set-cookie'], 'sid');
}

export function cookieFrom(setCookie: string | string[] | undefined, name: string): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const line = all.find((c) => c.startsWith(`${name}=`) && !/Max-Age=0/.test(c));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(all)}`);
  return line.split(';')[0]!;
}

/** Signs in and consents to the current price book: the state in which a customer can generate. */
export async function onboardedUser(h: ApiHarness, email: string, consent: { maxUsdPerVideo?: number; allowCheaperModel?: boolean } = {}) {
  const cookie = await signIn(h, email);
  const me = await request(h.server).get('/v1/me').set('Cookie', cookie);
  const res = await request(h.server)
    .post('/v1/onboarding/consent')
    .set('Cookie', cookie)
    .set('Origin', ORIGIN)
    .send({ priceBookVersion: me.body.priceBookVersion, maxUsdPerVideo: consent.maxUsdPerVideo ?? 5, allowCheaperModel: consent.allowCheaperModel ?? false });
  if (res.status !== 200) throw new Error(`consent answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { cookie, accountId: me.body.account.id as string };
}

/** The JSON a client sends for fastRequest(): $0.32 on Veo 3.1 Fast. */
export const generationBody = (overrides: Record<string, unknown> = {}) => ({ ...fastRequest(), ...overrides });
