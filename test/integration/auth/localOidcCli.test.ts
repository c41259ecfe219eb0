import { spawn } from 'node:child_process';
import path from 'node:path';
import { once } from 'node:events';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

describe('node --import tsx scripts/local-oidc/main.ts', () => {
  it('prints its issuer and endpoints as one JSON line, serves them, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-oidc/main.ts', '--port', '0'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      while (!output.includes('\n')) {
        const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit')])) as [string];
        if (child.exitCode !== null) throw new Error(`exited early with ${child.exitCode}`);
        output += chunk;
      }
      const { localOidc } = JSON.parse(output) as { localOidc: { issuer: string; clientId: string; urls: { discovery: string } } };
      expect(localOidc.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const discovery = (await (await fetch(localOidc.urls.discovery)).json()) as { issuer: string };
      expect(discovery.issuer).toBe(localOidc.issuer);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
