import net from 'node:net';
import path from 'node:path';
import { startChild, tailLog, type ManagedChild } from '../emulators/children';
import { freePort } from '../emulators/ports';

export const ROOT = path.resolve(__dirname, '..', '..');
const FRAMEWORK_MAIN = path.join(ROOT, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');

export interface FunctionSpec {
  target: 'api' | 'generationWorker' | 'sweeper' | 'budgetAlerts';
  signatureType: 'http' | 'cloudevent';
  port?: number;
}

export interface FunctionProcess {
  spec: FunctionSpec;
  url: string;
  port: number;
  child: ManagedChild;
  stop(): Promise<void>;
}

/**
 * One function per process, started straight from functions-framework's main.js (not npx, which
 * leaves the server running when killed), on the compiled code in functions/lib — what Cloud
 * Functions runs. Readiness: any HTTP answer on its port.
 */
export async function startFunction(spec: FunctionSpec, env: Record<string, string>, inheritOutput: boolean): Promise<FunctionProcess> {
  const port = spec.port ?? (await freePort());
  const child = startChild(
    `fn-${spec.target}`,
    process.execPath,
    [FRAMEWORK_MAIN, `--target=${spec.target}`, `--signature-type=${spec.signatureType}`, `--port=${port}`, `--source=${ROOT}`],
    { env: { ...cleanEnv(), ...env, PORT: String(port) }, cwd: ROOT, inheritOutput },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilListening(port, 20_000, child.isAlive);
  } catch (error) {
    await child.stop();
    throw new Error(`function ${spec.target} did not start: ${String(error)}\n${tailLog(child.logPath)}`);
  }
  return { spec, url, port, child, stop: () => child.stop() };
}

/** A TCP connect, not a request: a CloudEvent function answers any plain GET with an error. */
async function waitUntilListening(port: number, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error('process exited');
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (connected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

/** The parent's environment minus what would change the functions' behaviour behind our back. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(GOOGLE_API_KEY|GEMINI_API_KEY|GOOGLE_GENAI_USE_VERTEXAI|GOOGLE_APPLICATION_CREDENTIALS|JEST_WORKER_ID|FUNCTION_TARGET|FUNCTION_SIGNATURE_TYPE)$/.test(key)) continue;
    env[key] = value;
  }
  return env;
}
