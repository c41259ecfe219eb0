import { VideoModelError } from '../../ports/videoModel';
import { describeFailure, isAbort, type TransportTrace } from './transportFailure';

/** @google/genai's ApiError, recognised by shape so this module needs no SDK import. */
export function apiErrorStatus(error: unknown): number | undefined {
  const candidate = error as { name?: unknown; status?: unknown } | null;
  return candidate?.name === 'ApiError' && typeof candidate.status === 'number' ? candidate.status : undefined;
}

/** Vertex's error text is the JSON error body; its `message` is what a person should read. */
function apiErrorMessage(error: unknown): string {
  const raw = (error as { message?: unknown }).message;
  if (typeof raw !== 'string') return String(error);
  try {
    const parsed = JSON.parse(raw) as { error?: { message?: unknown; status?: unknown } };
    const message = parsed.error?.message;
    const status = parsed.error?.status;
    if (typeof message === 'string') return typeof status === 'string' ? `${status}: ${message}` : message;
  } catch {
    // Not JSON (e.g. an HTML page from a proxy): the raw text is the best there is.
  }
  return raw.slice(0, 500);
}

/**
 * Maps a failed start. Only proof that Veo did not take the request (an HTTP refusal, or no
 * connection ever made) may yield rejected/unavailable; everything else is `unknown`, because
 * retrying an accepted start pays twice.
 */
export function classifyStartFailure(error: unknown, trace: TransportTrace, timeoutMs: number): VideoModelError {
  const status = apiErrorStatus(error);
  if (status !== undefined) {
    const text = `Veo start answered ${status}: ${apiErrorMessage(error)}`;
    // google.rpc DEADLINE_EXCEEDED: "may be returned even if the operation has completed successfully".
    if (status === 504) return new VideoModelError('unknown', `${text} (it may have accepted the start)`, status, { cause: error });
    if (isRetryableStatus(status)) return new VideoModelError('unavailable', text, status, { cause: error });
    return new VideoModelError('rejected', text, status, { cause: error });
  }
  if (!trace.fetchCalled) {
    return new VideoModelError('unavailable', `Veo start not sent: ${describeFailure(error)}`, undefined, { cause: error });
  }
  if (trace.failedToConnect) {
    return new VideoModelError('unavailable', `Veo start could not connect: ${describeFailure(error)}`, undefined, { cause: error });
  }
  if (isAbort(error)) {
    return new VideoModelError(
      'unknown',
      `Veo start got no answer within ${timeoutMs} ms; it may have accepted the start`,
      undefined,
      { cause: error },
    );
  }
  return new VideoModelError(
    'unknown',
    `Veo start failed after the request was sent (${describeFailure(error)}); it may have accepted the start`,
    undefined,
    { cause: error },
  );
}

/** Maps a failed poll: reading an operation twice costs nothing, so only a definite refusal is final. */
export function classifyPollFailure(error: unknown, operationName: string, timeoutMs: number): VideoModelError {
  const status = apiErrorStatus(error);
  if (status !== undefined) {
    const text = `Veo poll of ${operationName} answered ${status}: ${apiErrorMessage(error)}`;
    const kind = isRetryableStatus(status) || status === 504 ? 'unavailable' : 'rejected';
    return new VideoModelError(kind, text, status, { cause: error });
  }
  const text = isAbort(error)
    ? `Veo poll of ${operationName} got no answer within ${timeoutMs} ms`
    : `Veo poll of ${operationName} failed: ${describeFailure(error)}`;
  return new VideoModelError('unavailable', text, undefined, { cause: error });
}

/**
 * 429 and 5xx are Vertex's "try later"; 408 means the server gave up reading the request; 401 is
 * an access token that was stale or not yet valid, which the auth library renews on the next call.
 */
function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status === 401 || status >= 500;
}
