import { invalidArgument } from '../rpcError';
import type { Fields, Value } from './wireTypes';

/**
 * Firestore value semantics: the backend's cross-type order and equality, as documented for
 * queries ("Ordering of value types") and mirrored by the Firebase JS SDK's local query engine.
 */
export type ValueKind = 'null' | 'boolean' | 'integer' | 'double' | 'timestamp' | 'string' | 'bytes' | 'reference' | 'geoPoint' | 'array' | 'map';

const KIND_OF_FIELD: Record<string, ValueKind> = {
  nullValue: 'null',
  booleanValue: 'boolean',
  integerValue: 'integer',
  doubleValue: 'double',
  timestampValue: 'timestamp',
  stringValue: 'string',
  bytesValue: 'bytes',
  referenceValue: 'reference',
  geoPointValue: 'geoPoint',
  arrayValue: 'array',
  mapValue: 'map',
};

export const NULL_VALUE: Value = { nullValue: 'NULL_VALUE' };

export function kindOf(value: Value): ValueKind {
  for (const key in value) {
    const kind = KIND_OF_FIELD[key];
    if (kind && (value as Record<string, unknown>)[key] !== undefined) return kind;
  }
  throw invalidArgument('a value has no value type set');
}

/** Copies a decoded value into exactly one member with defaults filled, dropping proto-loader's `valueType`. */
export function normalizeValue(value: Value): Value {
  switch (kindOf(value)) {
    case 'null':
      return NULL_VALUE;
    case 'boolean':
      return { booleanValue: Boolean(value.booleanValue) };
    case 'integer':
      return { integerValue: BigInt(value.integerValue ?? 0).toString() };
    case 'double':
      return { doubleValue: Number(value.doubleValue ?? 0) };
    case 'timestamp':
      return { timestampValue: { seconds: String(value.timestampValue?.seconds ?? '0'), nanos: value.timestampValue?.nanos ?? 0 } };
    case 'string':
      return { stringValue: value.stringValue ?? '' };
    case 'bytes':
      return { bytesValue: Buffer.from(value.bytesValue ?? Buffer.alloc(0)) };
    case 'reference':
      return { referenceValue: value.referenceValue ?? '' };
    case 'geoPoint':
      return { geoPointValue: { latitude: value.geoPointValue?.latitude ?? 0, longitude: value.geoPointValue?.longitude ?? 0 } };
    case 'array':
      return { arrayValue: { values: (value.arrayValue?.values ?? []).map(normalizeValue) } };
    case 'map':
      return { mapValue: { fields: normalizeFields(value.mapValue?.fields) } };
  }
}

export function normalizeFields(fields: Fields | undefined): Fields {
  const result: Fields = {};
  for (const [key, value] of Object.entries(fields ?? {})) result[key] = normalizeValue(value);
  return result;
}

export function isNumber(value: Value): boolean {
  const kind = kindOf(value);
  return kind === 'integer' || kind === 'double';
}

export function isNaNValue(value: Value): boolean {
  return value.doubleValue !== undefined && Number.isNaN(value.doubleValue);
}

export function isNullValue(value: Value): boolean {
  return value.nullValue !== undefined;
}

export function isVector(value: Value): boolean {
  return value.mapValue?.fields?.['__type__']?.stringValue === '__vector__';
}

/** The backend's type order: null < boolean < number < timestamp < string < bytes < reference < geo point < array < vector < map. */
export function typeOrder(value: Value): number {
  switch (kindOf(value)) {
    case 'null':
      return 0;
    case 'boolean':
      return 1;
    case 'integer':
    case 'double':
      return 2;
    case 'timestamp':
      return 3;
    case 'string':
      return 5;
    case 'bytes':
      return 6;
    case 'reference':
      return 7;
    case 'geoPoint':
      return 8;
    case 'array':
      return 9;
    case 'map':
      return isVector(value) ? 10 : 11;
  }
}

function sign(n: number | bigint): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Strings order by UTF-8 bytes, which is code point order (not UTF-16 code unit order). */
export function compareUtf8(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const a = left.charCodeAt(i);
    const b = right.charCodeAt(i);
    if (a === b) continue;
    const aSurrogate = a >= 0xd800 && a <= 0xdfff;
    const bSurrogate = b >= 0xd800 && b <= 0xdfff;
    if (aSurrogate === bSurrogate) return a < b ? -1 : 1;
    // A surrogate encodes a code point above U+FFFF, which sorts after every BMP character.
    return aSurrogate ? 1 : -1;
  }
  return sign(left.length - right.length);
}

/** NaN sorts before every other number; integers compare exactly, mixed pairs as doubles. */
export function compareNumbers(left: Value, right: Value): number {
  if (left.integerValue !== undefined && right.integerValue !== undefined) {
    return sign(BigInt(left.integerValue) - BigInt(right.integerValue));
  }
  const a = left.integerValue !== undefined ? Number(left.integerValue) : (left.doubleValue ?? 0);
  const b = right.integerValue !== undefined ? Number(right.integerValue) : (right.doubleValue ?? 0);
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTimestamps(left: Value, right: Value): number {
  const l = left.timestampValue ?? {};
  const r = right.timestampValue ?? {};
  const bySeconds = sign(BigInt(l.seconds ?? 0) - BigInt(r.seconds ?? 0));
  return bySeconds !== 0 ? bySeconds : sign((l.nanos ?? 0) - (r.nanos ?? 0));
}

/** Document names compare segment by segment, so `a/b` sorts before `a-c` even though '/' > '-'. */
export function compareResourceNames(left: string, right: string): number {
  const l = left.split('/');
  const r = right.split('/');
  for (let i = 0; i < l.length && i < r.length; i++) {
    const byPart = compareUtf8(l[i]!, r[i]!);
    if (byPart !== 0) return byPart;
  }
  return sign(l.length - r.length);
}

function compareArrays(left: Value[], right: Value[]): number {
  for (let i = 0; i < left.length && i < right.length; i++) {
    const byItem = compareValues(left[i]!, right[i]!);
    if (byItem !== 0) return byItem;
  }
  return sign(left.length - right.length);
}

function compareMaps(left: Fields, right: Fields): number {
  const leftKeys = Object.keys(left).sort(compareUtf8);
  const rightKeys = Object.keys(right).sort(compareUtf8);
  for (let i = 0; i < leftKeys.length && i < rightKeys.length; i++) {
    const byKey = compareUtf8(leftKeys[i]!, rightKeys[i]!);
    if (byKey !== 0) return byKey;
    const byValue = compareValues(left[leftKeys[i]!]!, right[rightKeys[i]!]!);
    if (byValue !== 0) return byValue;
  }
  return sign(leftKeys.length - rightKeys.length);
}

function compareVectors(left: Value, right: Value): number {
  const l = left.mapValue?.fields?.['value']?.arrayValue?.values ?? [];
  const r = right.mapValue?.fields?.['value']?.arrayValue?.values ?? [];
  return l.length !== r.length ? sign(l.length - r.length) : compareArrays(l, r);
}

export function compareValues(left: Value, right: Value): number {
  const leftOrder = typeOrder(left);
  const rightOrder = typeOrder(right);
  if (leftOrder !== rightOrder) return sign(leftOrder - rightOrder);
  switch (kindOf(left)) {
    case 'null':
      return 0;
    case 'boolean':
      return sign(Number(left.booleanValue) - Number(right.booleanValue));
    case 'integer':
    case 'double':
      return compareNumbers(left, right);
    case 'timestamp':
      return compareTimestamps(left, right);
    case 'string':
      return compareUtf8(left.stringValue ?? '', right.stringValue ?? '');
    case 'bytes':
      return sign(Buffer.compare(Buffer.from(left.bytesValue ?? []), Buffer.from(right.bytesValue ?? [])));
    case 'reference':
      return compareResourceNames(left.referenceValue ?? '', right.referenceValue ?? '');
    case 'geoPoint': {
      const l = left.geoPointValue ?? {};
      const r = right.geoPointValue ?? {};
      return sign((l.latitude ?? 0) - (r.latitude ?? 0)) || sign((l.longitude ?? 0) - (r.longitude ?? 0));
    }
    case 'array':
      return compareArrays(left.arrayValue?.values ?? [], right.arrayValue?.values ?? []);
    case 'map':
      return leftOrder === 10 ? compareVectors(left, right) : compareMaps(left.mapValue?.fields ?? {}, right.mapValue?.fields ?? {});
  }
}

/**
 * Query and array-transform equality: same type order and equal under the order, so 3 equals 3.0
 * and NaN equals NaN (the documented arrayUnion / arrayRemove rule).
 */
export function valuesEqual(left: Value, right: Value): boolean {
  return typeOrder(left) === typeOrder(right) && compareValues(left, right) === 0;
}

export function arrayContains(values: Value[], needle: Value): boolean {
  return values.some((value) => valuesEqual(value, needle));
}

/** Exact representation equality (3 is not 3.0, -0 is not 0): decides whether a write changed a document. */
export function sameRepresentation(left: Value, right: Value): boolean {
  const kind = kindOf(left);
  if (kind !== kindOf(right)) return false;
  switch (kind) {
    case 'double':
      return Object.is(left.doubleValue, right.doubleValue);
    case 'bytes':
      return Buffer.from(left.bytesValue ?? []).equals(Buffer.from(right.bytesValue ?? []));
    case 'array': {
      const l = left.arrayValue?.values ?? [];
      const r = right.arrayValue?.values ?? [];
      return l.length === r.length && l.every((value, i) => sameRepresentation(value, r[i]!));
    }
    case 'map':
      return sameFields(left.mapValue?.fields ?? {}, right.mapValue?.fields ?? {});
    default:
      return compareValues(left, right) === 0;
  }
}

export function sameFields(left: Fields, right: Fields): boolean {
  const leftKeys = Object.keys(left);
  if (leftKeys.length !== Object.keys(right).length) return false;
  return leftKeys.every((key) => right[key] !== undefined && sameRepresentation(left[key]!, right[key]!));
}
