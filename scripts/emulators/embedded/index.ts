import path from 'node:path';
import { startChild, tailLog } from '../children';
import { freePort, waitForHttp } from '../ports';
import { RULES_NOT_EVALUATED } from './firestore/httpAdmin';

/**
 * Embedded Node emulators for machines without google-cloud-cli (issue 6): Firestore
 * (google.firestore.v1 over gRPC, in-memory, real transaction isolation) and Pub/Sub
 * (google.pubsub.v1 over gRPC, push / pull / streaming pull, retry and dead-letter policies).
 *
 * NOT emulated: Firestore security rules (every request is allowed; rules tests skip on this
 * backend — `RULES_NOT_EVALUATED` says why), Firestore Listen (onSnapshot), Pub/Sub filters,
 * snapshots / seek, and the REST surfaces.
 *
 * Each emulator runs as its own child process (`node --import tsx serve.ts`), like the official
 * jars: the harness starts, probes (`GET /` → `Ok`) and stops both backends the same way; a
 * crash or a busy loop in an emulator cannot take down or stall the jest worker or the dev stack
 * that uses it (push deliveries and lock timers keep running while a test blocks its own event
 * loop); and each emulator's RSS is measurable on its own. The cost is ~0.5 s of start-up.
 */
export { RULES_NOT_EVALUATED };

/** For rules tests: `describe.skip` with this reason when the backend is `embedded`. */
export const EMBEDDED_RULES_SKIP_REASON = RULES_NOT_EVALUATED;

export interface EmbeddedEmulator {
  host: string;
  /** The child process id, for measuring its memory. */
  pid: number | undefined;
  stop(): Promise<void>;
}

const SERVE_SCRIPT = path.join(__dirname, 'serve.ts');
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const STARTUP_TIMEOUT_MS = 15_000;
/** A free port can be taken by another process before the child binds it: try a few. */
const PORT_ATTEMPTS = 3;

let rulesNoticePrinted = false;

async function startEmbedded(which: 'firestore' | 'pubsub', requestedPort: number | undefined): Promise<EmbeddedEmulator> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (requestedPort === undefined ? PORT_ATTEMPTS : 1); attempt++) {
    const port = requestedPort ?? (await freePort());
    const child = startChild(`embedded-${which}-${port}`, process.execPath, ['--import', 'tsx', SERVE_SCRIPT, which, '--host=127.0.0.1', `--port=${port}`, `--parent-pid=${process.pid}`], {
      cwd: REPO_ROOT,
      env: process.env,
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/`, STARTUP_TIMEOUT_MS, child.isAlive);
      return { host: `127.0.0.1:${port}`, pid: child.process.pid, stop: () => child.stop() };
    } catch (error) {
      await child.stop();
      lastError = new Error(`embedded ${which} emulator did not start on port ${port}: ${String(error)}\n${tailLog(child.logPath)}`);
    }
  }
  throw lastError;
}

export async function startEmbeddedFirestore(options: { port?: number } = {}): Promise<EmbeddedEmulator> {
  const emulator = await startEmbedded('firestore', options.port);
  if (!rulesNoticePrinted) {
    rulesNoticePrinted = true;
    process.stderr.write(`[reelguard] ${RULES_NOT_EVALUATED}\n`);
  }
  return emulator;
}

export async function startEmbeddedPubsub(options: { port?: number } = {}): Promise<EmbeddedEmulator> {
  return startEmbedded('pubsub', options.port);
}
