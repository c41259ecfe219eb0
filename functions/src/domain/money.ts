import { assertInvariant } from './errors';

/**
 * Money is an integer count of micro-USD (1 USD = 1,000,000 micros). Floats never enter the
 * ledger: every amount is checked to be a safe, non-negative integer where it is created.
 */
export type Micros = number;

export const MICROS_PER_USD = 1_000_000;

export function assertMicros(value: number, what: string): asserts value is Micros {
  assertInvariant(Number.isSafeInteger(value) && value >= 0, `${what} must be a non-negative integer of micros, got ${value}`);
}

/** Converts a USD amount typed by a person (at most 6 decimals) to micros without float drift. */
export function usdToMicros(usd: number | string): Micros {
  const text = typeof usd === 'number' ? usd.toFixed(6) : usd.trim();
  const match = /^(\d{1,9})(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) throw new RangeError(`not a USD amount with at most 6 decimals: ${String(usd)}`);
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(6, '0'));
  return whole * MICROS_PER_USD + fraction;
}

export function microsToUsd(micros: Micros): string {
  assertMicros(micros, 'amount');
  const whole = Math.floor(micros / MICROS_PER_USD);
  const fraction = String(micros % MICROS_PER_USD).padStart(6, '0').replace(/0{1,4}$/, '');
  return `${whole}.${fraction.length < 2 ? fraction.padEnd(2, '0') : fraction}`;
}
