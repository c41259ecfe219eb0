/**
 * Entry point of an embedded emulator child process:
 *   node --import tsx scripts/emulators/embedded/serve.ts firestore|pubsub --port=<p> [--host=127.0.0.1]
 * SIGTERM / SIGINT close the server and exit, like the official jars.
 */
import { RULES_NOT_EVALUATED } from './firestore/httpAdmin';
import { startFirestoreServer } from './firestore/server';
import { startPubsubServer } from './pubsub/server';
import type { SharedPortServer } from './sharedPort';

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
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded emulator failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
