import { GoogleAuth } from 'google-auth-library';
import { GcsVideoStorage, type GcsVideoStorageOptions } from '../../../functions/src/adapters/storage';

/**
 * Runs GcsVideoStorage.save calls in a plain Node process and prints the outcomes as JSON.
 * Why a child process: @google-cloud/storage sends its JSON API calls through teeny-request,
 * which does `import('node-fetch')`, and jest's VM refuses dynamic imports unless node runs with
 * --experimental-vm-modules.
 */
export interface GcsScenario {
  options: Omit<GcsVideoStorageOptions, 'storageOptions'> & { apiEndpoint: string };
  signer: { email: string; privateKeyPem: string };
  saves: Array<{ generationId: string; index: number; bytesBase64?: string; uri?: string; mimeType: string }>;
}

export type GcsScenarioOutcome = { ok: true; url: string; location: string } | { ok: false; error: string };

async function main(): Promise<void> {
  const scenario = JSON.parse(process.argv[2] ?? '') as GcsScenario;
  const { apiEndpoint, ...options } = scenario.options;
  const storage = new GcsVideoStorage({
    ...options,
    storageOptions: {
      apiEndpoint,
      projectId: 'reelguard-test',
      // Signing needs getCredentials() to name the account, which a bare JWT client does not; in
      // production the metadata server names it and IAM signBlob signs.
      authClient: new GoogleAuth({ credentials: { client_email: scenario.signer.email, private_key: scenario.signer.privateKeyPem } }),
    },
  });
  const outcomes: GcsScenarioOutcome[] = [];
  for (const save of scenario.saves) {
    try {
      const stored = await storage.save(save.generationId, save.index, {
        ...(save.bytesBase64 ? { bytes: Buffer.from(save.bytesBase64, 'base64') } : {}),
        ...(save.uri ? { uri: save.uri } : {}),
        mimeType: save.mimeType,
      });
      outcomes.push({ ok: true, ...stored });
    } catch (error) {
      outcomes.push({ ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
  process.stdout.write(JSON.stringify(outcomes));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(String(error));
    process.exit(1);
  });
}
