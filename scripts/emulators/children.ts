import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Every long-running child (emulator, function, simulated Veo) is tracked here so that an exit,
 * Ctrl-C or SIGTERM of the parent stops them all: no orphan java processes.
 */
const children = new Set<ChildProcess>();
let handlersInstalled = false;

function killAllSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllSync();
      process.kill(process.pid, signal);
    });
  }
}

export interface ManagedChild {
  name: string;
  process: ChildProcess;
  logPath: string;
  isAlive(): boolean;
  stop(timeoutMs?: number): Promise<void>;
}

export function logDir(): string {
  const dir = path.resolve(__dirname, '..', '..', '.reelguard', 'logs');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Starts `command` with its output in .reelguard/logs/<name>.log (or inherited when `inheritOutput`). */
export function startChild(name: string, command: string, args: string[], options: SpawnOptions & { inheritOutput?: boolean } = {}): ManagedChild {
  installHandlers();
  const logPath = path.join(logDir(), `${name}.log`);
  const out = options.inheritOutput ? 'inherit' : fs.openSync(logPath, 'w');
  const child = spawn(command, args, { ...options, stdio: ['ignore', out, out] });
  if (typeof out === 'number') fs.closeSync(out);
  children.add(child);
  child.once('exit', () => children.delete(child));
  const isAlive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    process: child,
    logPath,
    isAlive,
    async stop(timeoutMs = 5000) {
      if (!isAlive()) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function tailLog(logPath: string, lines = 20): string {
  try {
    return fs.readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
