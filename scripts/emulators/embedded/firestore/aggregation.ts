import { invalidArgument } from '../rpcError';
import type { StoredDocument } from './documentStore';
import { getField, parseFieldPath, type FieldPath } from './fieldPaths';
import { isNumber, NULL_VALUE } from './values';
import type { Aggregation, Fields, Value } from './wireTypes';

/**
 * count / sum / avg over a query's documents. Sum stays an integer while every addend is one and
 * it fits int64, else it is a double; avg is always a double, null without numeric values;
 * documents whose field is missing or not a number are skipped.
 */
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function numericValues(documents: StoredDocument[], fieldPath: string | undefined): Value[] {
  if (!fieldPath) throw invalidArgument('sum and avg need a field');
  const path = parseFieldPath(fieldPath);
  const values: Value[] = [];
  for (const document of documents) {
    const value = getField(document.fields, path);
    if (value && isNumber(value)) values.push(value);
  }
  return values;
}

function sum(values: Value[]): Value {
  let integerSum = 0n;
  let doubleSum = 0;
  let onlyIntegers = true;
  for (const value of values) {
    if (value.integerValue !== undefined) integerSum += BigInt(value.integerValue);
    else onlyIntegers = false;
    doubleSum += value.integerValue !== undefined ? Number(value.integerValue) : (value.doubleValue ?? 0);
  }
  if (onlyIntegers && integerSum <= INT64_MAX && integerSum >= INT64_MIN) return { integerValue: integerSum.toString() };
  return { doubleValue: doubleSum };
}

/**
 * Like the backend (which answers sum / avg by scanning an index of the fields), an aggregation
 * query only considers documents that have every field a sum or avg names — for all of its
 * aggregations, count included — in the order of those fields, which decides what a limit keeps.
 */
export function aggregatedFields(aggregations: Aggregation[]): FieldPath[] {
  const paths: FieldPath[] = [];
  for (const aggregation of aggregations) {
    const fieldPath = aggregation.sum?.field?.fieldPath ?? aggregation.avg?.field?.fieldPath;
    if (fieldPath) paths.push(parseFieldPath(fieldPath));
  }
  return paths;
}

export function aggregate(documents: StoredDocument[], aggregations: Aggregation[]): Fields {
  const result: Fields = {};
  aggregations.forEach((aggregation, index) => {
    const alias = aggregation.alias || `field_${index + 1}`;
    if (aggregation.count) {
      const upTo = aggregation.count.upTo?.value;
      const count = upTo === undefined ? documents.length : Math.min(documents.length, Number(upTo));
      result[alias] = { integerValue: String(count) };
    } else if (aggregation.sum) {
      result[alias] = sum(numericValues(documents, aggregation.sum.field?.fieldPath));
    } else if (aggregation.avg) {
      const values = numericValues(documents, aggregation.avg.field?.fieldPath);
      const total = values.reduce((acc, value) => acc + (value.integerValue !== undefined ? Number(value.integerValue) : (value.doubleValue ?? 0)), 0);
      result[alias] = values.length === 0 ? NULL_VALUE : { doubleValue: total / values.length };
    } else {
      throw invalidArgument(`aggregation ${alias} has no operator`);
    }
  });
  return result;
}
