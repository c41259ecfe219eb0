/**
 * Embedded Node emulators for machines without google-cloud-cli (issue 6). Until they exist the
 * harness says so plainly instead of failing somewhere deep in a test.
 */
export interface EmbeddedEmulator {
  host: string;
  stop(): Promise<void>;
}

export async function startEmbeddedFirestore(_options: { port?: number }): Promise<EmbeddedEmulator> {
  throw new Error('The embedded Firestore emulator is not built yet: install google-cloud-cli or set REELGUARD_EMULATORS=official');
}

export async function startEmbeddedPubsub(_options: { port?: number }): Promise<EmbeddedEmulator> {
  throw new Error('The embedded Pub/Sub emulator is not built yet: install google-cloud-cli or set REELGUARD_EMULATORS=official');
}
