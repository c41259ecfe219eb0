/**
 * What happened on the wire when a call to Veo failed, as far as can be known. The difference that
 * matters is whether Veo could have received the request: only then can a start have been billed.
 */
export interface TransportTrace {
  /** The SDK got as far as calling fetch (it had credentials and a request). */
  fetchCalled: boolean;
  /** fetch failed while connecting, so no byte of the request reached Veo. */
  failedToConnect: boolean;
}

/**
 * Errors raised before a connection exists. `fetch failed` alone says nothing: ECONNRESET or
 * "other side closed" can come after the whole request was written, so those are not here.
 */
const CONNECT_PHASE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const MAX_CAUSE_DEPTH = 6;

/** True only when every underlying error is a connect-phase one (happy eyeballs gives an AggregateError of several). */
export function isConnectFailure(error: unknown, depth = 0): boolean {
  if (depth > MAX_CAUSE_DEPTH || typeof error !== 'object' || error === null) return false;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (Array.isArray(errors) && errors.length > 0) return errors.every((inner) => isConnectFailure(inner, depth + 1));
  if (typeof code === 'string' && CONNECT_PHASE_CODES.has(code)) return true;
  return cause !== undefined && isConnectFailure(cause, depth + 1);
}

/**
 * The SDK's per-attempt timeout aborts fetch. The AbortError may arrive wrapped: the SDK turns any
 * rejection that is not `instanceof Error` into Error("exception … sending request", {cause}),
 * which is what a DOMException from another realm (jest's VM) looks like to it.
 */
export function isAbort(error: unknown, depth = 0): boolean {
  if (depth > MAX_CAUSE_DEPTH || typeof error !== 'object' || error === null) return false;
  const { name, cause } = error as { name?: unknown; cause?: unknown };
  if (name === 'AbortError' || name === 'TimeoutError') return true;
  return cause !== undefined && isAbort(cause, depth + 1);
}

/** A fetch for one call that records how far it got; the SDK takes it as `httpOptions.fetch`. */
export function tracedFetch(): { fetch: typeof fetch; trace: TransportTrace } {
  const trace: TransportTrace = { fetchCalled: false, failedToConnect: false };
  const traced: typeof fetch = async (input, init) => {
    trace.fetchCalled = true;
    try {
      return await fetch(input, init);
    } catch (error) {
      trace.failedToConnect = isConnectFailure(error);
      throw error;
    }
  };
  return { fetch: traced, trace };
}

/** "fetch failed: other side closed (UND_ERR_SOCKET)": the part of an error chain a person needs. */
export function describeFailure(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth += 1) {
    const { message, code } = current as { message?: unknown; code?: unknown };
    const text = typeof message === 'string' && message ? message : String(current);
    parts.push(typeof code === 'string' ? `${text} (${code})` : text);
    current = (current as { cause?: unknown }).cause;
  }
  if (parts.length === 0) parts.push(String(error));
  return parts.join(': ');
}
