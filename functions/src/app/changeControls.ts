import type { Firestore } from '@google-cloud/firestore';
import { randomUUID } from 'node:crypto';
import { TRANSACTION_MAX_ATTEMPTS } from '../adapters/firestore/client';
import { COLLECTIONS } from '../adapters/firestore/collections';
import { controlsRef, toControls } from '../adapters/firestore/refs';
import type { ControlsDoc } from '../adapters/firestore/schemas';
import type { ModelId } from '../domain/models';
import type { Logger } from '../logger';

export type ControlAction = { action: 'pause' } | { action: 'resume' } | { action: 'degrade'; model: ModelId } | { action: 'undegrade' };

export interface ControlChange {
  before: ControlsDoc;
  after: ControlsDoc;
  changed: boolean;
  auditId: string | null;
}

export function applyControlAction(current: ControlsDoc, change: ControlAction, meta: { reason: string; by: string; nowMs: number }): ControlsDoc {
  const next: ControlsDoc = { ...current, reason: meta.reason, by: meta.by, sinceMs: meta.nowMs };
  switch (change.action) {
    case 'pause':
      return { ...next, generationPaused: true };
    case 'resume':
      // A full resume: nothing paused, nothing degraded.
      return { ...next, generationPaused: false, degradeToModel: null };
    case 'degrade':
      return { ...next, degradeToModel: change.model };
    case 'undegrade':
      return { ...next, degradeToModel: null };
  }
}

/**
 * Changes `controls/global` and writes who, what, when and why to controlsAudit in the same
 * transaction. A change that changes nothing writes nothing (budget alerts repeat all day).
 * `auditId` may be derived from the triggering event so a redelivered event adds no second record.
 */
export async function changeControls(
  db: Firestore,
  input: { change: ControlAction; reason: string; by: string; nowMs: number; source: 'admin' | 'budget'; auditId?: string },
  log: Logger,
): Promise<ControlChange> {
  const ref = controlsRef(db);
  const result = await db.runTransaction(
    async (tx): Promise<ControlChange> => {
      const before = toControls((await tx.get(ref)).data());
      const after = applyControlAction(before, input.change, input);
      if (after.generationPaused === before.generationPaused && after.degradeToModel === before.degradeToModel) {
        return { before, after: before, changed: false, auditId: null };
      }
      const auditId = input.auditId ?? `${input.nowMs}-${randomUUID()}`;
      tx.set(ref, after);
      tx.create(db.collection(COLLECTIONS.controlsAudit).doc(auditId), {
        action: input.change.action,
        source: input.source,
        by: input.by,
        reason: input.reason,
        atMs: input.nowMs,
        before,
        after,
      });
      return { before, after, changed: true, auditId };
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
  if (result.changed) {
    const severity = result.after.generationPaused ? 'error' : 'warn';
    log[severity]('generation controls changed', { action: input.change.action, source: input.source, by: input.by, reason: input.reason, before: result.before, after: result.after });
  }
  return result;
}
