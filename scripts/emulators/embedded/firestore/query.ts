import { invalidArgument } from '../rpcError';
import type { DatabaseStore, StoredDocument } from './documentStore';
import { compareFieldPaths, getField, isDocumentNameField, parseFieldPath, type FieldPath } from './fieldPaths';
import { documentName } from './names';
import type { TimeNs } from './time';
import { arrayContains, compareValues, isNaNValue, isNullValue, typeOrder, valuesEqual } from './values';
import type { Cursor, Filter, StructuredQuery, Value } from './wireTypes';

/**
 * StructuredQuery evaluation with the backend's semantics: a filter or order-by on a field only
 * matches documents that have it; inequality fields and `__name__` are ordered implicitly; cursors
 * are positions in the normalized order; offset then limit.
 */
interface Ordering {
  path: FieldPath;
  descending: boolean;
}

export interface QueryScope {
  database: string;
  /** The parent document's path segments; empty for the database root. */
  parentSegments: string[];
}

type Predicate = (document: StoredDocument) => boolean;

const INEQUALITY_OPERATORS = new Set(['LESS_THAN', 'LESS_THAN_OR_EQUAL', 'GREATER_THAN', 'GREATER_THAN_OR_EQUAL', 'NOT_EQUAL', 'NOT_IN']);
const INEQUALITY_UNARY_OPERATORS = new Set(['IS_NOT_NAN', 'IS_NOT_NULL']);
const MAX_DISJUNCTION_VALUES = 30;

function fieldValue(scope: QueryScope, document: StoredDocument, path: FieldPath): Value | undefined {
  if (isDocumentNameField(path)) return { referenceValue: documentName(scope.database, document.path) };
  return getField(document.fields, path);
}

function requireFieldPath(reference: { fieldPath?: string } | undefined): FieldPath {
  if (!reference?.fieldPath) throw invalidArgument('a filter or order is missing its field path');
  return parseFieldPath(reference.fieldPath);
}

function disjunctionValues(value: Value | undefined, operator: string): Value[] {
  const values = value?.arrayValue?.values;
  if (!values) throw invalidArgument(`${operator} requires an array value`);
  if (values.length > MAX_DISJUNCTION_VALUES) throw invalidArgument(`${operator} accepts at most ${MAX_DISJUNCTION_VALUES} values`);
  return values;
}

function compileFilter(scope: QueryScope, filter: Filter): Predicate {
  if (filter.compositeFilter) {
    const parts = (filter.compositeFilter.filters ?? []).map((part) => compileFilter(scope, part));
    if (filter.compositeFilter.op === 'OR') return (document) => parts.some((part) => part(document));
    return (document) => parts.every((part) => part(document));
  }
  if (filter.fieldFilter) {
    const path = requireFieldPath(filter.fieldFilter.field);
    const operator = filter.fieldFilter.op ?? 'OPERATOR_UNSPECIFIED';
    const operand = filter.fieldFilter.value;
    if (!operand) throw invalidArgument('a field filter has no value');
    const get = (document: StoredDocument) => fieldValue(scope, document, path);
    const comparable = (value: Value) => typeOrder(value) === typeOrder(operand);
    switch (operator) {
      case 'EQUAL':
        return (document) => {
          const value = get(document);
          return value !== undefined && comparable(value) && compareValues(value, operand) === 0;
        };
      case 'LESS_THAN':
      case 'LESS_THAN_OR_EQUAL':
      case 'GREATER_THAN':
      case 'GREATER_THAN_OR_EQUAL': {
        const accepts = {
          LESS_THAN: (c: number) => c < 0,
          LESS_THAN_OR_EQUAL: (c: number) => c <= 0,
          GREATER_THAN: (c: number) => c > 0,
          GREATER_THAN_OR_EQUAL: (c: number) => c >= 0,
        }[operator];
        // NaN is not ordered against other numbers in range filters.
        if (isNaNValue(operand)) return () => false;
        return (document) => {
          const value = get(document);
          return value !== undefined && comparable(value) && !isNaNValue(value) && accepts(compareValues(value, operand));
        };
      }
      case 'NOT_EQUAL':
        return (document) => {
          const value = get(document);
          return value !== undefined && !isNullValue(value) && !valuesEqual(value, operand);
        };
      case 'ARRAY_CONTAINS':
        return (document) => {
          const values = get(document)?.arrayValue?.values;
          return values !== undefined && arrayContains(values, operand);
        };
      case 'ARRAY_CONTAINS_ANY': {
        const candidates = disjunctionValues(operand, operator);
        return (document) => {
          const values = get(document)?.arrayValue?.values;
          return values !== undefined && values.some((value) => arrayContains(candidates, value));
        };
      }
      case 'IN': {
        const candidates = disjunctionValues(operand, operator);
        return (document) => {
          const value = get(document);
          return value !== undefined && arrayContains(candidates, value);
        };
      }
      case 'NOT_IN': {
        const excluded = disjunctionValues(operand, operator);
        if (excluded.some(isNullValue)) return () => false;
        return (document) => {
          const value = get(document);
          return value !== undefined && !isNullValue(value) && !arrayContains(excluded, value);
        };
      }
      default:
        throw invalidArgument(`unsupported field filter operator ${operator}`);
    }
  }
  if (filter.unaryFilter) {
    const path = requireFieldPath(filter.unaryFilter.field);
    const get = (document: StoredDocument) => fieldValue(scope, document, path);
    switch (filter.unaryFilter.op) {
      case 'IS_NULL':
        return (document) => {
          const value = get(document);
          return value !== undefined && isNullValue(value);
        };
      case 'IS_NAN':
        return (document) => {
          const value = get(document);
          return value !== undefined && isNaNValue(value);
        };
      case 'IS_NOT_NULL':
        return (document) => {
          const value = get(document);
          return value !== undefined && !isNullValue(value);
        };
      case 'IS_NOT_NAN':
        return (document) => {
          const value = get(document);
          return value !== undefined && !isNullValue(value) && !isNaNValue(value);
        };
      default:
        throw invalidArgument(`unsupported unary filter operator ${filter.unaryFilter.op}`);
    }
  }
  return () => true;
}

function inequalityFields(filter: Filter | undefined, into: FieldPath[] = []): FieldPath[] {
  if (!filter) return into;
  if (filter.compositeFilter) for (const part of filter.compositeFilter.filters ?? []) inequalityFields(part, into);
  const operator = filter.fieldFilter?.op ?? filter.unaryFilter?.op;
  const field = filter.fieldFilter?.field ?? filter.unaryFilter?.field;
  if (operator && field?.fieldPath && (INEQUALITY_OPERATORS.has(operator) || INEQUALITY_UNARY_OPERATORS.has(operator))) {
    const path = parseFieldPath(field.fieldPath);
    if (!into.some((known) => compareFieldPaths(known, path) === 0)) into.push(path);
  }
  return into;
}

/**
 * Explicit order-bys, then inequality fields not yet ordered (sorted), then `extraFields`, then
 * `__name__`; implicit ones take the last explicit direction.
 */
export function normalizedOrdering(query: StructuredQuery, extraFields: FieldPath[] = []): Ordering[] {
  const orderings: Ordering[] = (query.orderBy ?? []).map((order) => ({
    path: requireFieldPath(order.field),
    descending: order.direction === 'DESCENDING',
  }));
  const lastDescending = orderings.length > 0 ? orderings[orderings.length - 1]!.descending : false;
  const ordered = (path: FieldPath) => orderings.some((ordering) => compareFieldPaths(ordering.path, path) === 0);
  for (const path of [...inequalityFields(query.where).sort(compareFieldPaths), ...extraFields]) {
    if (!isDocumentNameField(path) && !ordered(path)) orderings.push({ path, descending: lastDescending });
  }
  if (!orderings.some((ordering) => isDocumentNameField(ordering.path))) orderings.push({ path: ['__name__'], descending: lastDescending });
  return orderings;
}

function inScope(scope: QueryScope, query: StructuredQuery): Predicate {
  const selectors = query.from ?? [];
  if (selectors.length !== 1) throw invalidArgument('a query must select exactly one collection');
  const { collectionId = '', allDescendants = false } = selectors[0]!;
  if (!allDescendants && !collectionId) throw invalidArgument('a query needs a collection id unless it selects all descendants');
  const parent = scope.parentSegments;
  return (document) => {
    const segments = document.segments;
    if (segments.length <= parent.length) return false;
    for (let i = 0; i < parent.length; i++) if (segments[i] !== parent[i]) return false;
    if (!allDescendants && segments.length !== parent.length + 2) return false;
    return collectionId === '' || segments[segments.length - 2] === collectionId;
  };
}

/** Position of `document` relative to `cursor`: negative when the cursor sorts before it. */
function compareCursor(scope: QueryScope, cursor: Cursor, orderings: Ordering[], document: StoredDocument): number {
  const values = cursor.values ?? [];
  for (let i = 0; i < values.length; i++) {
    const ordering = orderings[i]!;
    const position = values[i]!;
    const documentValue = fieldValue(scope, document, ordering.path)!;
    let comparison = compareValues(position, documentValue);
    if (ordering.descending) comparison = -comparison;
    if (comparison !== 0) return comparison;
  }
  return 0;
}

export function compareByOrdering(scope: QueryScope, orderings: Ordering[], left: StoredDocument, right: StoredDocument): number {
  for (const ordering of orderings) {
    let comparison = compareValues(fieldValue(scope, left, ordering.path)!, fieldValue(scope, right, ordering.path)!);
    if (ordering.descending) comparison = -comparison;
    if (comparison !== 0) return comparison;
  }
  return 0;
}

/**
 * The documents `query` returns (before projection) as of `readTimeNs` (latest when undefined).
 * `orderedFields` are ordered by (so they must exist) after the query's own orderings: the
 * backend answers sum / avg by scanning those fields, which decides what a limit keeps.
 */
export function evaluateQuery(store: DatabaseStore, scope: QueryScope, query: StructuredQuery, readTimeNs?: TimeNs, orderedFields: FieldPath[] = []): StoredDocument[] {
  if (query.findNearest) throw invalidArgument('findNearest (vector search) is not supported by the embedded emulator');
  const matchesScope = inScope(scope, query);
  const matchesFilter = query.where ? compileFilter(scope, query.where) : () => true;
  const orderings = normalizedOrdering(query, orderedFields);
  for (const cursor of [query.startAt, query.endAt]) {
    if (cursor && (cursor.values ?? []).length > orderings.length) {
      throw invalidArgument('Too many cursor values specified. The specified cursor values must be no more than the number of order-by fields.');
    }
  }
  const hasOrderedFields = (document: StoredDocument) => orderings.every((ordering) => fieldValue(scope, document, ordering.path) !== undefined);

  let results: StoredDocument[] = [];
  for (const document of store.documents(readTimeNs)) {
    if (matchesScope(document) && hasOrderedFields(document) && matchesFilter(document)) results.push(document);
  }
  results.sort((left, right) => compareByOrdering(scope, orderings, left, right));

  const { startAt, endAt } = query;
  if (startAt) {
    const inclusive = Boolean(startAt.before);
    results = results.filter((document) => {
      const comparison = compareCursor(scope, startAt, orderings, document);
      return inclusive ? comparison <= 0 : comparison < 0;
    });
  }
  if (endAt) {
    const inclusive = !endAt.before;
    results = results.filter((document) => {
      const comparison = compareCursor(scope, endAt, orderings, document);
      return inclusive ? comparison >= 0 : comparison > 0;
    });
  }
  const offset = query.offset ?? 0;
  if (offset < 0) throw invalidArgument('offset must not be negative');
  const limit = query.limit?.value;
  if (limit !== undefined && limit < 0) throw invalidArgument('limit must not be negative');
  return results.slice(offset, limit === undefined ? undefined : offset + limit);
}

/** The projection of a query: undefined for whole documents, else the selected paths (only `__name__`: no fields). */
export function projectionOf(query: StructuredQuery): FieldPath[] | undefined {
  const fields = query.select?.fields;
  if (!fields || fields.length === 0) return undefined;
  return fields.map((field) => requireFieldPath(field));
}
