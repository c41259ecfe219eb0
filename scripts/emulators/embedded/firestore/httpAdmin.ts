import type { RequestListener, ServerResponse } from 'node:http';
import type { FirestoreEngine } from './engine';

/** The official emulator's HTTP endpoints that the harness and tests use, on the gRPC port. */
export const RULES_NOT_EVALUATED =
  'The embedded Firestore emulator does not evaluate security rules: every request is allowed, and rules tests skip on it. Run the official emulator (google-cloud-cli, REELGUARD_EMULATORS=official) to test firestore.rules.';

const CLEAR_DATABASE = /^\/emulator\/v1\/projects\/([^/]+)\/databases\/([^/]+)\/documents\/?$/;
const SECURITY_RULES = /^\/emulator\/v1\/projects\/([^/:]+):securityRules$/;

function send(response: ServerResponse, statusCode: number, body: string, contentType = 'application/json'): void {
  response.writeHead(statusCode, { 'content-type': contentType });
  response.end(body);
}

export function firestoreHttpHandler(engine: FirestoreEngine): RequestListener {
  return (request, response) => {
    request.resume();
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://emulator').pathname);
    if (request.method === 'GET' && path === '/') return send(response, 200, 'Ok\n', 'text/plain');
    const clear = CLEAR_DATABASE.exec(path);
    if (clear && request.method === 'DELETE') {
      engine.clearDatabase(`projects/${clear[1]}/databases/${clear[2]}`);
      return send(response, 200, '{}');
    }
    if (SECURITY_RULES.test(path)) {
      return send(response, 501, JSON.stringify({ error: { code: 501, status: 'UNIMPLEMENTED', message: RULES_NOT_EVALUATED } }));
    }
    send(response, 404, JSON.stringify({ error: { code: 404, status: 'NOT_FOUND', message: `${request.method} ${path} is not served by the embedded Firestore emulator` } }));
  };
}
