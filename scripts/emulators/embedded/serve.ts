/**
 * Entry point of an embedded emulator child process:
 *   node --import tsx scripts/emulators/embedded/serve.ts firestore|pubsub --port=<p> [--host=127.0.0.1] [--parent-pid=<pid>]
 * SIGTERM / SIGINT close the server and exit, like the official jars; so does the end of --parent-pid.
 */
import { RULES_NOT_EVALUATED } from './firestore/httpAdmin';
import { startFirestoreServer } from './firestore/server';
import { startPubsubServer } from './pubsub/server';
import type { SharedPortServer } from './sharedPort';

const PARENT_CHECK_INTERVAL_MS = 1000;

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

async function main(): Promise<void> {
  const startedAtMs = performance.now();
  const which = process.argv[2];
  const host = option('host', '127.0.0.1');
  const port = Number(option('port', '0'));
  let server: SharedPortServer;
  if (which === 'firestore') {
    server = await startFirestoreServer({ host, port });
    process.stdout.write(`${RULES_NOT_EVALUATED}\n`);
  } else if (which === 'pubsub') {
    server = await startPubsubServer({ host, port });
  } else {
    throw new Error(`usage: serve.ts firestore|pubsub --port=<port>, got ${which}`);
  }
  process.stdout.write(
    `embedded ${which} emulator listening on ${host}:${server.port} (ready in ${Math.round(performance.now() - startedAtMs)} ms, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB)\n`,
  );
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  watchParent(Number(option('parent-pid', '0')), shutdown);
}

/**
 * A parent killed with SIGKILL (e.g. a jest worker torn down) cannot stop its children, so the
 * emulator exits by itself once the process that started it is gone: no orphans on the machine.
 */
function watchParent(parentPid: number, shutdown: () => void): void {
  if (!parentPid) return;
  const timer = setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      process.stdout.write(`parent process ${parentPid} is gone; stopping\n`);
      clearInterval(timer);
      shutdown();
    }
  }, PARENT_CHECK_INTERVAL_MS);
  timer.unref();
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded emulator failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
