import type { HttpFunction } from '@google-cloud/functions-framework';
import { buildApiDeps, type ApiDeps } from '../http/apiDeps';
import { createApiHandler } from '../http/dispatch';
import { routes } from '../http/routes';

let deps: ApiDeps | undefined;

/** The api function. Dependencies are built on the first request, not at import (cold start). */
export const api: HttpFunction = createApiHandler(routes, () => (deps ??= buildApiDeps()));
