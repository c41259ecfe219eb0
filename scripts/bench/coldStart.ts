import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { formatSummary, summarize } from './stats';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * What a new instance of each function loads before it can answer: the registration module,
 * then the function's own module and the SDKs its first invocation requires. Measured in fresh
 * `node` processes on the compiled code (functions/lib), as Cloud Functions runs it.
 */
const FIRST_USE: Record<string, string[]> = {
  api: ['./functions/api', './adapters/google-oauth', '@google-cloud/firestore', '@google-cloud/pubsub'],
  generationWorker: ['./functions/generationWorker', './adapters/veo', '@google/genai', './adapters/storage', '@google-cloud/firestore'],
  sweeper: ['./functions/sweeper', './adapters/veo', '@google/genai', './adapters/google-oauth', '@google-cloud/firestore', '@google-cloud/pubsub'],
  budgetAlerts: ['./functions/budgetAlerts', '@google-cloud/firestore'],
};

function measureOnce(target: string, modules: string[]): { registerMs: number; firstUseMs: number } {
  const script = `
    const path = require('node:path');
    const lib = ${JSON.stringify(path.join(ROOT, 'functions', 'lib'))};
    const t0 = process.hrtime.bigint();
    require(path.join(lib, 'index.js'));
    const t1 = process.hrtime.bigint();
    for (const m of ${JSON.stringify(modules)}) {
      try { require(m.startsWith('.') ? path.join(lib, m) : require.resolve(m, { paths: [lib] })); } catch (e) { if (!String(e).includes('Cannot find module')) throw e; }
    }
    const t2 = process.hrtime.bigint();
    process.stdout.write(JSON.stringify({ registerMs: Number(t1 - t0) / 1e6, firstUseMs: Number(t2 - t1) / 1e6 }));
  `;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, env: { ...process.env, FUNCTION_TARGET: target }, encoding: 'utf8' });
  return JSON.parse(out) as { registerMs: number; firstUseMs: number };
}

export function benchColdStart(options: { runs: number }): string[] {
  const lines: string[] = [];
  for (const [target, modules] of Object.entries(FIRST_USE)) {
    const register: number[] = [];
    const firstUse: number[] = [];
    for (let i = 0; i < options.runs; i += 1) {
      const m = measureOnce(target, modules);
      register.push(m.registerMs);
      firstUse.push(m.firstUseMs);
    }
    lines.push(formatSummary(`cold start ${target}: registration import`, summarize(register)));
    lines.push(formatSummary(`cold start ${target}: + first-use modules`, summarize(firstUse)));
  }
  return lines;
}
