import type { OutputMode } from './faults';

export interface SimOperation {
  id: string;
  /** projects/{p}/locations/{l}/publishers/google/models/{model}/operations/{id} */
  name: string;
  model: string;
  prompt: string;
  sampleCount: number;
  durationSeconds: number;
  aspectRatio: string;
  labels: Record<string, string>;
  acceptedAtMs: number;
  doneAtMs: number;
  /** Fault settings are captured at acceptance, so changing them later does not rewrite history. */
  filteredCount: number;
  filteredReasons: string[];
  error: { code: number; message: string } | null;
  output: OutputMode;
  storageUri?: string;
}

/** Operations by id, oldest evicted first once `maxOperations` is reached (a simulator must not grow forever). */
export class OperationStore {
  private readonly byId = new Map<string, SimOperation>();

  constructor(private readonly maxOperations: number) {
    if (!Number.isInteger(maxOperations) || maxOperations < 1) throw new Error(`maxOperations must be ≥ 1, got ${maxOperations}`);
  }

  add(operation: SimOperation): void {
    this.byId.set(operation.id, operation);
    while (this.byId.size > this.maxOperations) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.byId.delete(oldest);
    }
  }

  get(id: string): SimOperation | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<SimOperation> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  clear(): void {
    this.byId.clear();
  }
}
