import * as functions from '@google-cloud/functions-framework';
import { installJsonParseErrors } from './http/requestParseErrors';

installJsonParseErrors();

/**
 * Registrations only. Each function's module is required on its first invocation, so an
 * instance of one function never loads the code (and SDKs) of the others.
 */
functions.http('api', (req, res) => (require('./functions/api') as typeof import('./functions/api')).api(req, res));
functions.cloudEvent('generationWorker', (event: functions.CloudEvent<unknown>) =>
  (require('./functions/generationWorker') as typeof import('./functions/generationWorker')).generationWorker(event),
);
functions.cloudEvent('budgetAlerts', (event: functions.CloudEvent<unknown>) =>
  (require('./functions/budgetAlerts') as typeof import('./functions/budgetAlerts')).budgetAlerts(event),
);
functions.http('sweeper', (req, res) => (require('./functions/sweeper') as typeof import('./functions/sweeper')).sweeper(req, res));
