import { status } from '@grpc/grpc-js';
import { invalidArgument, RpcError } from '../rpcError';
import type { StoredDocument } from './documentStore';
import { cloneFields, cloneValue, deleteField, getField, parseFieldPath, setField, type FieldPath } from './fieldPaths';
import { parseDocumentName, type DocumentKey } from './names';
import { fromTimestamp, toTimestamp, type TimeNs } from './time';
import { arrayContains, isNumber, normalizeFields, normalizeValue, NULL_VALUE, sameFields, valuesEqual } from './values';
import type { FieldTransform, Fields, Value, Write, WriteResult } from './wireTypes';

/**
 * One write of a Commit or BatchWrite: replace, merge by update mask, delete, and field
 * transforms, under its precondition. Semantics follow the google.firestore.v1 Write and
 * DocumentTransform documentation.
 */
type TransformKind = 'serverTime' | 'increment' | 'maximum' | 'minimum' | 'appendMissing' | 'removeAll';

interface Transform {
  path: FieldPath;
  kind: TransformKind;
  operand: Value | Value[] | undefined;
}

export interface ParsedWrite {
  key: DocumentKey;
  name: string;
  /** undefined for deletes and transform-only writes */
  fields: Fields | undefined;
  isDelete: boolean;
  mask: FieldPath[] | undefined;
  transforms: Transform[];
  precondition: { exists?: boolean; updateTimeNs?: TimeNs };
}

function parseTransform(transform: FieldTransform): Transform {
  const path = parseFieldPath(transform.fieldPath ?? '');
  if (transform.setToServerValue !== undefined) {
    if (transform.setToServerValue !== 'REQUEST_TIME') throw invalidArgument(`unsupported server value ${transform.setToServerValue}`);
    return { path, kind: 'serverTime', operand: undefined };
  }
  if (transform.increment) return { path, kind: 'increment', operand: requireNumber(normalizeValue(transform.increment), 'increment') };
  if (transform.maximum) return { path, kind: 'maximum', operand: requireNumber(normalizeValue(transform.maximum), 'maximum') };
  if (transform.minimum) return { path, kind: 'minimum', operand: requireNumber(normalizeValue(transform.minimum), 'minimum') };
  if (transform.appendMissingElements) return { path, kind: 'appendMissing', operand: (transform.appendMissingElements.values ?? []).map(normalizeValue) };
  if (transform.removeAllFromArray) return { path, kind: 'removeAll', operand: (transform.removeAllFromArray.values ?? []).map(normalizeValue) };
  throw invalidArgument(`field transform on ${transform.fieldPath} has no transform type`);
}

function requireNumber(value: Value, kind: string): Value {
  if (!isNumber(value)) throw invalidArgument(`${kind} needs a numeric operand`);
  return value;
}

/** The backend rejects an array directly inside an array anywhere in a document. */
function rejectNestedArrays(value: Value, insideArray: boolean): void {
  if (value.arrayValue) {
    if (insideArray) throw invalidArgument('Cannot convert an array value in an array value.');
    for (const element of value.arrayValue.values ?? []) rejectNestedArrays(element, true);
  } else if (value.mapValue) {
    for (const field of Object.values(value.mapValue.fields ?? {})) rejectNestedArrays(field, false);
  }
}

export function parseWrite(write: Write): ParsedWrite {
  const precondition: ParsedWrite['precondition'] = {};
  if (write.currentDocument?.exists !== undefined) precondition.exists = write.currentDocument.exists;
  if (write.currentDocument?.updateTime) precondition.updateTimeNs = fromTimestamp(write.currentDocument.updateTime);
  const transforms = (write.updateTransforms ?? []).map(parseTransform);
  if (write.update) {
    const name = write.update.name ?? '';
    const fields = normalizeFields(write.update.fields);
    for (const value of Object.values(fields)) rejectNestedArrays(value, false);
    return {
      key: parseDocumentName(name),
      name,
      fields,
      isDelete: false,
      mask: write.updateMask ? (write.updateMask.fieldPaths ?? []).map(parseFieldPath) : undefined,
      transforms,
      precondition,
    };
  }
  if (write.delete) {
    return { key: parseDocumentName(write.delete), name: write.delete, fields: undefined, isDelete: true, mask: undefined, transforms: [], precondition };
  }
  if (write.transform) {
    const name = write.transform.document ?? '';
    return {
      key: parseDocumentName(name),
      name,
      fields: undefined,
      isDelete: false,
      mask: undefined,
      transforms: (write.transform.fieldTransforms ?? []).map(parseTransform),
      precondition,
    };
  }
  throw invalidArgument('a write has no operation');
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function numberOf(value: Value): number {
  return value.integerValue !== undefined ? Number(value.integerValue) : (value.doubleValue ?? 0);
}

function increment(current: Value | undefined, operand: Value): Value {
  if (!current || !isNumber(current)) return operand;
  if (current.integerValue !== undefined && operand.integerValue !== undefined) {
    const sum = BigInt(current.integerValue) + BigInt(operand.integerValue);
    // Integer overflow saturates at the int64 bounds instead of wrapping.
    return { integerValue: (sum > INT64_MAX ? INT64_MAX : sum < INT64_MIN ? INT64_MIN : sum).toString() };
  }
  return { doubleValue: numberOf(current) + numberOf(operand) };
}

/** maximum / minimum: NaN wins, equal operands keep the stored value, otherwise the larger / smaller operand with its type. */
function extreme(current: Value | undefined, operand: Value, kind: 'maximum' | 'minimum'): Value {
  if (!current || !isNumber(current)) return operand;
  const stored = numberOf(current);
  const given = numberOf(operand);
  if (Number.isNaN(stored)) return current;
  if (Number.isNaN(given)) return operand;
  if (current.integerValue !== undefined && operand.integerValue !== undefined) {
    const a = BigInt(current.integerValue);
    const b = BigInt(operand.integerValue);
    return (kind === 'maximum' ? b > a : b < a) ? operand : current;
  }
  return (kind === 'maximum' ? given > stored : given < stored) ? operand : current;
}

function applyTransform(fields: Fields, transform: Transform, commitTimeNs: TimeNs): Value {
  const current = getField(fields, transform.path);
  let next: Value;
  let result: Value;
  switch (transform.kind) {
    case 'serverTime':
      // REQUEST_TIME has millisecond precision (google.firestore.v1.DocumentTransform).
      next = { timestampValue: toTimestamp((commitTimeNs / 1_000_000n) * 1_000_000n) };
      result = next;
      break;
    case 'increment':
      next = increment(current, transform.operand as Value);
      result = next;
      break;
    case 'maximum':
    case 'minimum':
      next = extreme(current, transform.operand as Value, transform.kind);
      result = next;
      break;
    case 'appendMissing': {
      const values = current?.arrayValue ? (current.arrayValue.values ?? []).map(cloneValue) : [];
      for (const element of transform.operand as Value[]) if (!arrayContains(values, element)) values.push(element);
      next = { arrayValue: { values } };
      result = NULL_VALUE;
      break;
    }
    case 'removeAll': {
      const removed = transform.operand as Value[];
      const values = current?.arrayValue ? (current.arrayValue.values ?? []).filter((value) => !removed.some((element) => valuesEqual(element, value))) : [];
      next = { arrayValue: { values } };
      result = NULL_VALUE;
      break;
    }
  }
  setField(fields, transform.path, next);
  return result;
}

export interface AppliedWrite {
  /** The document after the write; null when it is (or stays) deleted. */
  document: StoredDocument | null;
  result: WriteResult;
}

/** Applies `write` to `current` at `commitTimeNs`, or throws the precondition failure the client expects. */
export function applyWrite(write: ParsedWrite, current: StoredDocument | undefined, commitTimeNs: TimeNs): AppliedWrite {
  const { exists, updateTimeNs } = write.precondition;
  if (exists === true && !current) throw new RpcError(status.NOT_FOUND, `No document to update: ${write.name}`);
  if (exists === false && current) throw new RpcError(status.ALREADY_EXISTS, `Document already exists: ${write.name}`);
  if (updateTimeNs !== undefined && current?.updateTimeNs !== updateTimeNs) {
    throw new RpcError(status.FAILED_PRECONDITION, `The document ${write.name} does not have the required update time.`);
  }
  if (write.isDelete) return { document: null, result: {} };

  let fields: Fields;
  if (write.fields && !write.mask) {
    fields = cloneFields(write.fields);
  } else {
    fields = current ? cloneFields(current.fields) : {};
    for (const path of write.mask ?? []) {
      const value = write.fields ? getField(write.fields, path) : undefined;
      if (value === undefined) deleteField(fields, path);
      else setField(fields, path, cloneValue(value));
    }
  }
  const transformResults = write.transforms.map((transform) => applyTransform(fields, transform, commitTimeNs));
  if (current && sameFields(current.fields, fields)) {
    // Per WriteResult: a write that changes nothing keeps the previous update time.
    return { document: current, result: { updateTime: toTimestamp(current.updateTimeNs), transformResults } };
  }
  const document: StoredDocument = {
    path: write.key.path,
    segments: write.key.segments,
    fields,
    createTimeNs: current?.createTimeNs ?? commitTimeNs,
    updateTimeNs: commitTimeNs,
  };
  return { document, result: { updateTime: toTimestamp(commitTimeNs), transformResults } };
}
