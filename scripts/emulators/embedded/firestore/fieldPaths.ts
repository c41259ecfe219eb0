import { invalidArgument } from '../rpcError';
import { compareUtf8 } from './values';
import type { Fields, Value } from './wireTypes';

/** Field paths as the API writes them: dot-separated, segments with other characters in backticks. */
export type FieldPath = readonly string[];

export const DOCUMENT_NAME_FIELD = '__name__';

const SIMPLE_SEGMENT = /^[a-zA-Z_][a-zA-Z_0-9]*$/;

export function parseFieldPath(text: string): FieldPath {
  const segments: string[] = [];
  let current = '';
  let quoted = false;
  let segmentStarted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '\\' && i + 1 < text.length) {
        current += text[++i];
      } else if (char === '`') {
        quoted = false;
      } else {
        current += char;
      }
    } else if (char === '`') {
      quoted = true;
      segmentStarted = true;
    } else if (char === '.') {
      if (!segmentStarted && current === '') throw invalidArgument(`invalid field path: ${text}`);
      segments.push(current);
      current = '';
      segmentStarted = false;
    } else {
      current += char;
      segmentStarted = true;
    }
  }
  if (quoted || (!segmentStarted && current === '')) throw invalidArgument(`invalid field path: ${text}`);
  segments.push(current);
  return segments;
}

export function formatFieldPath(path: FieldPath): string {
  return path.map((segment) => (SIMPLE_SEGMENT.test(segment) ? segment : '`' + segment.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`')).join('.');
}

export function isDocumentNameField(path: FieldPath): boolean {
  return path.length === 1 && path[0] === DOCUMENT_NAME_FIELD;
}

/** Field paths order segment by segment (the order of implicit inequality order-bys). */
export function compareFieldPaths(left: FieldPath, right: FieldPath): number {
  for (let i = 0; i < left.length && i < right.length; i++) {
    const bySegment = compareUtf8(left[i]!, right[i]!);
    if (bySegment !== 0) return bySegment;
  }
  return left.length - right.length;
}

export function getField(fields: Fields, path: FieldPath): Value | undefined {
  let value: Value | undefined = { mapValue: { fields } };
  for (const segment of path) {
    value = value?.mapValue?.fields?.[segment];
    if (value === undefined) return undefined;
  }
  return value;
}

export function cloneValue(value: Value): Value {
  if (value.arrayValue) return { arrayValue: { values: (value.arrayValue.values ?? []).map(cloneValue) } };
  if (value.mapValue) return { mapValue: { fields: cloneFields(value.mapValue.fields ?? {}) } };
  return value;
}

export function cloneFields(fields: Fields): Fields {
  const copy: Fields = {};
  for (const [key, value] of Object.entries(fields)) copy[key] = cloneValue(value);
  return copy;
}

/** Sets `path` in `fields` (mutated), turning any non-map value on the way into a map. */
export function setField(fields: Fields, path: FieldPath, value: Value): void {
  let container = fields;
  for (const segment of path.slice(0, -1)) {
    let next = container[segment];
    if (!next?.mapValue) {
      next = { mapValue: { fields: {} } };
      container[segment] = next;
    }
    next.mapValue!.fields ??= {};
    container = next.mapValue!.fields!;
  }
  container[path[path.length - 1]!] = value;
}

export function deleteField(fields: Fields, path: FieldPath): void {
  let container: Fields | undefined = fields;
  for (const segment of path.slice(0, -1)) {
    container = container?.[segment]?.mapValue?.fields;
    if (!container) return;
  }
  delete container[path[path.length - 1]!];
}

/** Keeps only `paths` of `fields` (a read mask or a query projection). */
export function projectFields(fields: Fields, paths: FieldPath[]): Fields {
  const projected: Fields = {};
  for (const path of paths) {
    if (isDocumentNameField(path)) continue;
    const value = getField(fields, path);
    if (value !== undefined) setField(projected, path, cloneValue(value));
  }
  return projected;
}
