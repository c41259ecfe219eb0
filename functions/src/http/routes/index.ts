import { buildOpenApi } from '../openapi';
import { defineRoute, type Route } from '../route';
import { authCallback } from './auth_callback';
import { authLogin } from './auth_login';
import { authLogout } from './auth_logout';
import { healthz } from './healthz';
import { v1AdminAccountsGet, v1AdminAccountsPatch } from './v1_admin_accounts';
import { v1AdminControlsGet, v1AdminControlsSet } from './v1_admin_controls';
import { v1AdminGenerationsResolve } from './v1_admin_generations_resolve';
import { v1GenerationsCancel } from './v1_generations_cancel';
import { v1GenerationsCreate } from './v1_generations_create';
import { v1GenerationsGet } from './v1_generations_get';
import { v1GenerationsList } from './v1_generations_list';
import { v1Me } from './v1_me';
import { v1OnboardingConsent } from './v1_onboarding_consent';
import { v1OnboardingGet } from './v1_onboarding_get';
import { v1Quote } from './v1_quote';
import { v1Usage } from './v1_usage';

const apiRoutes: Route<any, any>[] = [
  healthz,
  authLogin,
  authCallback,
  authLogout,
  v1Me,
  v1Quote,
  v1OnboardingGet,
  v1OnboardingConsent,
  v1GenerationsCreate,
  v1GenerationsList,
  v1GenerationsGet,
  v1GenerationsCancel,
  v1Usage,
  v1AdminControlsGet,
  v1AdminControlsSet,
  v1AdminAccountsGet,
  v1AdminAccountsPatch,
  v1AdminGenerationsResolve,
];

let openApiDocument: unknown;

const openapi = defineRoute({
  method: 'GET',
  path: '/openapi.json',
  access: 'public',
  summary: 'This API as OpenAPI 3.1, generated from the validation schemas.',
  response: { status: 200, description: 'OpenAPI document' },
  async handler({ deps }) {
    openApiDocument ??= buildOpenApi(routes, deps.config.publicBaseUrl);
    return { status: 200, body: openApiDocument };
  },
});

export const routes: Route<any, any>[] = [...apiRoutes, openapi];
