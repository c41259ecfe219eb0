import path from 'node:path';
import { startChild, tailLog, type ManagedChild } from '../emulators/children';
import { freePort, waitForHttp } from '../emulators/ports';

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
    await waitUntilListening(url, 20_000, child.isAlive);
  } catch (error) {
    await child.stop();
    throw new Error(`function ${spec.target} did not start: ${String(error)}\n${tailLog(child.logPath)}`);
  }
  return { spec, url, port, child, stop: () => child.stop() };
}

async function waitUntilListening(url: string, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error('process exited');
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await waitForHttp(url, 1, isAlive);
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
