import { spawn } from 'node:child_process';

/**
 * Runs a command (the official emulator's JVM) and ends it when the process that asked for it is
 * gone. A jest worker or `npm start` killed with SIGKILL cannot stop its children itself; without
 * this the JVMs would live on as orphans holding ports and memory.
 *   node --import tsx scripts/emulators/supervisor.ts <parentPid> -- <command> [args…]
 * SIGTERM / SIGINT are passed on to the command; its exit code becomes ours.
 */
const PARENT_CHECK_INTERVAL_MS = 1_000;
const KILL_AFTER_MS = 5_000;

const [parentArg, separator, command, ...args] = process.argv.slice(2);
const parentPid = Number(parentArg);
if (!Number.isInteger(parentPid) || parentPid <= 0 || separator !== '--' || !command) {
  process.stderr.write('usage: supervisor.ts <parentPid> -- <command> [args…]\n');
  process.exit(2);
}

const child = spawn(command, args, { stdio: 'inherit' });
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping || child.exitCode !== null) return;
  stopping = true;
  child.kill(signal);
  setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS).unref();
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGTERM'));

const watch = setInterval(() => {
  try {
    process.kill(parentPid, 0);
  } catch {
    process.stdout.write(`supervisor: parent ${parentPid} is gone; stopping ${command}\n`);
    stop('SIGTERM');
  }
}, PARENT_CHECK_INTERVAL_MS);

child.on('exit', (code, signal) => {
  clearInterval(watch);
  process.exit(code ?? (signal ? 1 : 0));
});
child.on('error', (error) => {
  process.stderr.write(`supervisor: ${command} failed to start: ${error.message}\n`);
  process.exit(1);
});
