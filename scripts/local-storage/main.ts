import { parseArgs } from 'node:util';
import { startLocalVideoServer } from './localVideoServer';

/** `node --import tsx scripts/local-storage/main.ts --dir .local/videos --port 8090` */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: 'string' }, port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  if (!values.dir) throw new Error('--dir is required');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const server = await startLocalVideoServer({ dir: values.dir, port, host: values.host });
  process.stdout.write(`${JSON.stringify({ localVideos: server.baseUrl, dir: values.dir })}\n`);
  const stop = () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`local-storage: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
