import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startChild, tailLog, type ManagedChild } from './children';
import { freePort, waitForHttp } from './ports';

export interface OfficialJars {
  sdkRoot: string;
  firestoreJar: string;
  pubsubJar: string;
}

function sdkRootCandidates(): string[] {
  const candidates: string[] = [];
  if (process.env.CLOUDSDK_ROOT_DIR) candidates.push(process.env.CLOUDSDK_ROOT_DIR);
  try {
    // Works offline; prints the root of the installed google-cloud-cli.
    const root = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 15_000,
    }).trim();
    if (root) candidates.push(root);
  } catch {
    // gcloud is not installed on this image.
  }
  candidates.push('/usr/lib/google-cloud-sdk', '/usr/share/google-cloud-sdk', '/opt/google-cloud-sdk');
  return candidates;
}

/** The official emulator jars of google-cloud-cli, or null where the image does not ship them. */
export function findOfficialJars(): OfficialJars | null {
  for (const sdkRoot of sdkRootCandidates()) {
    const firestoreJar = path.join(sdkRoot, 'platform', 'cloud-firestore-emulator', 'cloud-firestore-emulator.jar');
    const pubsubLib = path.join(sdkRoot, 'platform', 'pubsub-emulator', 'lib');
    if (!fs.existsSync(firestoreJar) || !fs.existsSync(pubsubLib)) continue;
    const pubsubJarName = fs.readdirSync(pubsubLib).find((name) => /^cloud-pubsub-emulator-.*-all\.jar$/.test(name));
    if (!pubsubJarName) continue;
    return { sdkRoot, firestoreJar, pubsubJar: path.join(pubsubLib, pubsubJarName) };
  }
  return null;
}

export interface RunningEmulator {
  host: string;
  child: ManagedChild;
}

const STARTUP_TIMEOUT_MS = 30_000;

const SUPERVISOR = path.join(__dirname, 'supervisor.ts');

async function startJava(name: string, args: string[], port: number): Promise<RunningEmulator> {
  // Through the supervisor, so the JVM ends with us even if we are killed with SIGKILL.
  const child = startChild(name, process.execPath, ['--import', 'tsx', SUPERVISOR, String(process.pid), '--', 'java', ...args], {
    cwd: path.resolve(__dirname, '..', '..'),
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, STARTUP_TIMEOUT_MS, child.isAlive);
  } catch (error) {
    await child.stop();
    throw new Error(`${name} did not start: ${String(error)}\n${tailLog(child.logPath)}`);
  }
  return { host: `127.0.0.1:${port}`, child };
}

export async function startOfficialFirestore(jars: OfficialJars, options: { port?: number; rulesPath?: string } = {}): Promise<RunningEmulator> {
  const port = options.port ?? (await freePort());
  const websocketPort = await freePort();
  const args = [
    '-cp', jars.firestoreJar,
    'com.google.cloud.datastore.emulator.firestore.CloudFirestore', 'start',
    '--host=127.0.0.1', `--port=${port}`, `--websocket_port=${websocketPort}`,
  ];
  if (options.rulesPath) args.push(`--rules=${path.resolve(options.rulesPath)}`);
  return startJava('firestore-emulator', args, port);
}

export async function startOfficialPubsub(jars: OfficialJars, options: { port?: number } = {}): Promise<RunningEmulator> {
  const port = options.port ?? (await freePort());
  return startJava('pubsub-emulator', ['-jar', jars.pubsubJar, '--host=127.0.0.1', `--port=${port}`], port);
}
