import type { AccountDoc, GenerationDoc } from '../adapters/firestore/schemas';
import { isTerminal } from '../domain/generation';
import type { Quote } from '../domain/quote';

/** What clients see of a generation: no idempotency internals, lease or owner ids. */
export function generationView(id: string, g: GenerationDoc) {
  return {
    id,
    status: g.status,
    terminal: isTerminal(g.status),
    request: g.request,
    degradedFrom: g.degradedFrom,
    holdMicros: g.holdMicros,
    costMicros: g.costMicros,
    quote: quoteView(g.quote),
    videos: g.videos.map((v) => ({ url: v.url })),
    videosReturned: g.videosReturned,
    filteredCount: g.filteredCount,
    error: g.error,
    source: g.source,
    createdAt: new Date(g.createdAtMs).toISOString(),
    updatedAt: new Date(g.updatedAtMs).toISOString(),
  };
}

export function quoteView(q: Quote) {
  return {
    priceBookVersion: q.priceBookVersion,
    model: q.model,
    durationSeconds: q.durationSeconds,
    resolution: q.resolution,
    generateAudio: q.generateAudio,
    numberOfVideos: q.numberOfVideos,
    microsPerSecond: q.microsPerSecond,
    perVideoMicros: q.perVideoMicros,
    totalMicros: q.totalMicros,
  };
}

export function accountView(id: string, a: AccountDoc) {
  return {
    id,
    email: a.email,
    plan: a.plan,
    billingMode: a.billingMode,
    limits: a.limits,
    consent: a.consent ? { ...a.consent, at: new Date(a.consent.atMs).toISOString() } : null,
    period: {
      periodKey: a.periodKey,
      spentMicros: a.spentMicros,
      heldMicros: a.heldMicros,
      remainingMicros: Math.max(0, a.limits.monthlyCapMicros - a.spentMicros - a.heldMicros),
    },
    creditMicros: a.creditMicros,
    inFlight: a.inFlight,
    createdAt: new Date(a.createdAtMs).toISOString(),
  };
}
