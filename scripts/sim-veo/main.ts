import { parseArgs } from 'node:util';
import { OUTPUT_MODES, type OutputMode } from './faults';
import { startSimVeo } from './simVeoServer';

/** `node --import tsx scripts/sim-veo/main.ts --port 8089 [--latency-ms 3000] [--output inline|uri|gcs]` */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'latency-ms': { type: 'string' },
      output: { type: 'string' },
      'no-auth': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const output = values.output;
  if (output !== undefined && !(OUTPUT_MODES as readonly string[]).includes(output)) {
    throw new Error(`--output must be one of ${OUTPUT_MODES.join(', ')}, got ${output}`);
  }
  const sim = await startSimVeo({
    port,
    host: values.host,
    requireAuth: !values['no-auth'],
    faults: {
      ...(values['latency-ms'] !== undefined ? { latencyMs: Number(values['latency-ms']) } : {}),
      ...(output !== undefined ? { output: output as OutputMode } : {}),
    },
  });
  process.stdout.write(`${JSON.stringify({ simVeo: sim.baseUrl, admin: `${sim.baseUrl}/__sim/stats` })}\n`);
  const stop = () => {
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sim-veo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
