import { parseArgs } from 'node:util';
import { startLocalOidc } from './index';

/**
 * node --import tsx scripts/local-oidc/main.ts [--port N] [--issuer URL] [--client-id ID --client-secret S]
 * Prints one JSON line with the issuer, client and endpoints, then serves until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
    },
    strict: true,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  if ((values['client-id'] === undefined) !== (values['client-secret'] === undefined)) {
    throw new Error('--client-id and --client-secret go together');
  }
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'];
  const provider = await startLocalOidc({
    port,
    ...(values.issuer === undefined ? {} : { issuer: values.issuer }),
    ...(clientId === undefined || clientSecret === undefined ? {} : { clients: [{ clientId, clientSecret }] }),
  });
  process.stdout.write(
    `${JSON.stringify({ localOidc: { issuer: provider.issuer, port: provider.port, clientId: provider.clientId, clientSecret: provider.clientSecret, urls: provider.urls } })}\n`,
  );
  const stop = () => {
    provider.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`local-oidc: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
