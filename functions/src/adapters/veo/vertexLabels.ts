import { createHash } from 'node:crypto';

/** Label keys on every Veo start, for billing attribution and for counting starts per generation. */
export const GENERATION_LABEL = 'generation_id';
export const ACCOUNT_LABEL = 'account_id';

const MAX_LABEL_LENGTH = 63;

/**
 * Vertex label values allow only lowercase letters, digits, `_` and `-`, up to 63 characters, but
 * our ids are mixed-case. Upper-case letters become `-` + the lower-case letter and `-` becomes
 * `--`, so distinct ids stay distinct labels (and can be read back); other characters become `_`
 * (ids from domain/ids.ts have none).
 */
export function vertexLabelValue(id: string): string {
  let value = '';
  for (const char of id) {
    if (char >= 'A' && char <= 'Z') value += `-${char.toLowerCase()}`;
    else if (char === '-') value += '--';
    else if (/[a-z0-9_]/.test(char)) value += char;
    else value += '_';
  }
  // Too long to encode: a digest still attributes the cost to exactly one id.
  if (value.length > MAX_LABEL_LENGTH) return `sha256_${createHash('sha256').update(id).digest('hex').slice(0, 48)}`;
  return value;
}

export function startLabels(generationId: string, accountId: string): Record<string, string> {
  return { [GENERATION_LABEL]: vertexLabelValue(generationId), [ACCOUNT_LABEL]: vertexLabelValue(accountId) };
}
