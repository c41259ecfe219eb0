import { classifyPollFailure, classifyStartFailure } from '../../../functions/src/adapters/veo/veoErrors';
import { isConnectFailure } from '../../../functions/src/adapters/veo/transportFailure';

/** Error shapes as undici and @google/genai produce them (seen against the simulated Veo). */
const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const sent = { fetchCalled: true, failedToConnect: false };

describe('Veo start failure classification', () => {
  test('a refused connection (also as happy-eyeballs AggregateError) is unavailable', () => {
    const refused = fetchFailed(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'));
    expect(isConnectFailure(refused)).toBe(true);
    const both = fetchFailed(Object.assign(new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ENETUNREACH')]), { code: 'ECONNREFUSED' }));
    expect(isConnectFailure(both)).toBe(true);
    expect(classifyStartFailure(refused, { fetchCalled: true, failedToConnect: true }, 1000).kind).toBe('unavailable');
  });

  test('one address refused and another reset is not proof that nothing was sent', () => {
    const mixed = fetchFailed(new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNRESET')]));
    expect(isConnectFailure(mixed)).toBe(false);
  });

  test.each([
    ['socket closed by the server after the request', fetchFailed(withCode('other side closed', 'UND_ERR_SOCKET'))],
    ['connection reset', fetchFailed(withCode('read ECONNRESET', 'ECONNRESET'))],
    ['body cut short after a 200', new TypeError('terminated')],
    ['unparseable 200 body', new SyntaxError('Unexpected end of JSON input')],
  ])('%s → unknown', (_, error) => {
    const classified = classifyStartFailure(error, sent, 1000);
    expect(classified.kind).toBe('unknown');
    expect(classified.cause).toBe(error);
  });

  test('a timeout is unknown whether the AbortError comes bare or wrapped by the SDK', () => {
    const abort = new DOMException('This operation was aborted', 'AbortError');
    expect(classifyStartFailure(abort, sent, 1500).message).toContain('no answer within 1500 ms');
    const wrapped = new Error(`exception ${String(abort)} sending request`, { cause: abort });
    expect(classifyStartFailure(wrapped, sent, 1500).kind).toBe('unknown');
  });

  test('an ApiError body is summarised as STATUS: message', () => {
    const apiError = Object.assign(new Error(JSON.stringify({ error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } })), {
      name: 'ApiError',
      status: 429,
    });
    const classified = classifyStartFailure(apiError, sent, 1000);
    expect(classified).toMatchObject({ kind: 'unavailable', httpStatus: 429, message: 'Veo start answered 429: RESOURCE_EXHAUSTED: Quota exceeded' });
  });
});

describe('Veo poll failure classification', () => {
  test('504 on a poll is only "ask again"; 404 is final', () => {
    const apiError = (status: number) => Object.assign(new Error('{}'), { name: 'ApiError', status });
    expect(classifyPollFailure(apiError(504), 'op', 1000).kind).toBe('unavailable');
    expect(classifyPollFailure(apiError(404), 'op', 1000).kind).toBe('rejected');
    expect(classifyPollFailure(fetchFailed(withCode('x', 'ECONNRESET')), 'op', 1000).kind).toBe('unavailable');
  });
});
