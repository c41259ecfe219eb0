import type { Emulators } from '../../scripts/emulators';

export default async function globalTeardown(): Promise<void> {
  const emulators = (globalThis as { __reelguardEmulators?: Emulators }).__reelguardEmulators;
  await emulators?.stop();
}
