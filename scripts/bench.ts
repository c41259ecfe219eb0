import { startEmulators } from './emulators';
import { benchColdStart } from './bench/coldStart';
import { benchReservePath } from './bench/reservePath';
import { benchWorkerPath } from './bench/workerPath';

/**
 * `npm run bench`: starts its own emulators, prints figures, stops them. Numbers are for
 * comparison on one machine (the emulator is not production Firestore); ratios matter more
 * than absolute milliseconds.
 */
async function main(): Promise<void> {
  const emulators = await startEmulators();
  Object.assign(process.env, emulators.env);
  const quick = process.argv.includes('--quick');
  console.log(`reelguard bench — ${emulators.backend} emulators, node ${process.version}, ${new Date().toISOString()}`);
  try {
    console.log('\n## reserve path');
    for (const line of await benchReservePath({
      samples: quick ? 50 : 300,
      warmup: quick ? 10 : 30,
      concurrentAccounts: quick ? 5 : 20,
      concurrentPerAccount: quick ? 2 : 5,
    })) {
      console.log(line);
    }
    console.log('\n## generation end to end (simulated Veo)');
    for (const line of await benchWorkerPath({ generations: quick ? 10 : 50 })) console.log(line);
    console.log('\n## cold start per function (fresh node process, compiled functions/lib)');
    for (const line of benchColdStart({ runs: quick ? 3 : 10 })) console.log(line);
    for (const line of await (require('./bench/platformCap') as typeof import('./bench/platformCap')).benchPlatformCap({ quick })) console.log(line);
  } finally {
    await emulators.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
