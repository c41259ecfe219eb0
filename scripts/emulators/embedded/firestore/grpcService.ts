import { randomBytes } from 'node:crypto';
import { Metadata, status, type ServerDuplexStream, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { RpcError, toServiceError } from '../rpcError';
import type { StoredDocument } from './documentStore';
import type { FirestoreEngine } from './engine';
import { parseFieldPath, projectFields, type FieldPath } from './fieldPaths';
import { documentName, parseDatabaseName, parseDocumentName, parseParentName } from './names';
import { projectionOf } from './query';
import { toTimestamp, type TimeNs } from './time';
import type { Aggregation, ConsistencySelector, Document, DocumentMask, Precondition, StructuredQuery, TransactionOptions, Write } from './wireTypes';

/** google.firestore.v1.Firestore handlers: decode requests, call the engine, encode responses. */
type Request = ConsistencySelector & {
  database?: string;
  name?: string;
  parent?: string;
  documents?: string[];
  mask?: DocumentMask;
  options?: TransactionOptions;
  writes?: Write[];
  structuredQuery?: StructuredQuery;
  structuredAggregationQuery?: { structuredQuery?: StructuredQuery; aggregations?: Aggregation[] };
  collectionId?: string;
  documentId?: string;
  document?: Document;
  updateMask?: DocumentMask;
  currentDocument?: Precondition;
  pageSize?: number;
  pageToken?: string;
  showMissing?: boolean;
};

type Unary = (call: ServerUnaryCall<Request, unknown>, callback: sendUnaryData<unknown>) => void;
type ServerStream = (call: ServerWritableStream<Request, unknown>) => void;

const UNSUPPORTED_HINT = 'is not supported by the embedded Firestore emulator; run the official one (REELGUARD_EMULATORS=official) where you need it';

function maskPaths(mask: DocumentMask | undefined): FieldPath[] | undefined {
  return mask ? (mask.fieldPaths ?? []).map(parseFieldPath) : undefined;
}

function toDocument(database: string, document: StoredDocument, projection: FieldPath[] | undefined): Document {
  return {
    name: documentName(database, document.path),
    fields: projection ? projectFields(document.fields, projection) : document.fields,
    createTime: toTimestamp(document.createTimeNs),
    updateTime: toTimestamp(document.updateTimeNs),
  };
}

function unary(handler: (request: Request) => Promise<unknown> | unknown): Unary {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handler(call.request))
      .then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error)),
      );
  };
}

function serverStream(handler: (request: Request, write: (message: unknown) => void) => Promise<void>): ServerStream {
  return (call) => {
    // Response headers go out first: gax retries a server stream that fails before any response
    // (twice, ~7 s in all), which would delay every ABORTED a transactional read must report.
    call.sendMetadata(new Metadata());
    handler(call.request, (message) => {
      if (!call.cancelled) call.write(message);
    }).then(
      () => call.end(),
      (error: unknown) => call.emit('error', toServiceError(error)),
    );
  };
}

function unsupportedStream(what: string) {
  return (call: ServerDuplexStream<unknown, unknown> | ServerWritableStream<unknown, unknown>) => {
    call.emit('error', toServiceError(new RpcError(status.UNIMPLEMENTED, `${what} ${UNSUPPORTED_HINT}`)));
  };
}

/** Pages of a sorted listing; the token is the last key already returned. */
function page<T>(items: T[], keyOf: (item: T) => string, pageSize: number | undefined, pageToken: string | undefined): { items: T[]; nextPageToken: string } {
  const after = pageToken ? Buffer.from(pageToken, 'base64url').toString('utf8') : undefined;
  const start = after === undefined ? 0 : items.findIndex((item) => keyOf(item) > after);
  const remaining = start < 0 ? [] : items.slice(start);
  if (!pageSize || pageSize <= 0 || remaining.length <= pageSize) return { items: remaining, nextPageToken: '' };
  const pageItems = remaining.slice(0, pageSize);
  return { items: pageItems, nextPageToken: Buffer.from(keyOf(pageItems[pageItems.length - 1]!), 'utf8').toString('base64url') };
}

function readTimeFields(readTimeNs: TimeNs, newTransactionId: Buffer | undefined, first: boolean): Record<string, unknown> {
  return { readTime: toTimestamp(readTimeNs), ...(first && newTransactionId ? { transaction: newTransactionId } : {}) };
}

export function firestoreHandlers(engine: FirestoreEngine): UntypedServiceImplementation {
  const handlers: Record<string, Unary | ServerStream | ReturnType<typeof unsupportedStream>> = {
    GetDocument: unary(async (request) => {
      const key = parseDocumentName(request.name);
      const { value } = await engine.getDocuments(key.database, [request.name!], request);
      const document = value[0]?.document;
      if (!document) throw new RpcError(status.NOT_FOUND, `Document "${request.name}" not found`);
      return toDocument(key.database, document, maskPaths(request.mask));
    }),

    BatchGetDocuments: serverStream(async (request, write) => {
      const database = parseDatabaseName(request.database);
      const { value, readTimeNs, newTransactionId } = await engine.getDocuments(database, request.documents ?? [], request);
      const projection = maskPaths(request.mask);
      if (value.length === 0) write(readTimeFields(readTimeNs, newTransactionId, true));
      value.forEach(({ name, document }, index) => {
        write({
          ...(document ? { found: toDocument(database, document, projection) } : { missing: name }),
          ...readTimeFields(readTimeNs, newTransactionId, index === 0),
        });
      });
    }),

    RunQuery: serverStream(async (request, write) => {
      const query = request.structuredQuery;
      if (!query) throw new RpcError(status.INVALID_ARGUMENT, 'RunQuery needs a structuredQuery');
      const { database } = parseParentName(request.parent);
      const { value, readTimeNs, newTransactionId } = await engine.runQuery(request.parent!, query, request);
      const projection = projectionOf(query);
      if (value.length === 0) write(readTimeFields(readTimeNs, newTransactionId, true));
      value.forEach((document, index) => write({ document: toDocument(database, document, projection), ...readTimeFields(readTimeNs, newTransactionId, index === 0) }));
    }),

    RunAggregationQuery: serverStream(async (request, write) => {
      const aggregationQuery = request.structuredAggregationQuery;
      if (!aggregationQuery?.structuredQuery) throw new RpcError(status.INVALID_ARGUMENT, 'RunAggregationQuery needs a structuredAggregationQuery');
      const { value, readTimeNs, newTransactionId } = await engine.runAggregation(request.parent!, aggregationQuery.structuredQuery, aggregationQuery.aggregations ?? [], request);
      write({ result: { aggregateFields: value }, ...readTimeFields(readTimeNs, newTransactionId, true) });
    }),

    BeginTransaction: unary((request) => ({ transaction: engine.beginTransaction(parseDatabaseName(request.database), request.options).id })),

    Commit: unary(async (request) => {
      const { writeResults, commitTimeNs } = await engine.commit(parseDatabaseName(request.database), request.writes ?? [], request.transaction);
      return { writeResults, commitTime: toTimestamp(commitTimeNs) };
    }),

    Rollback: unary((request) => {
      engine.rollback(parseDatabaseName(request.database), request.transaction ?? Buffer.alloc(0));
      return {};
    }),

    BatchWrite: unary(async (request) => {
      const { writeResults, statuses } = await engine.batchWrite(parseDatabaseName(request.database), request.writes ?? []);
      return { writeResults, status: statuses };
    }),

    ListDocuments: unary((request) => {
      const { database } = parseParentName(request.parent);
      const readTimeNs = engine.listingReadTime(database, request);
      const all = engine.listDocuments(request.parent!, request.collectionId ?? '', { showMissing: Boolean(request.showMissing), readTimeNs });
      const { items, nextPageToken } = page(all, (item) => item.name, request.pageSize, request.pageToken);
      const projection = maskPaths(request.mask);
      return { documents: items.map(({ name, document }) => (document ? toDocument(database, document, projection) : { name })), nextPageToken };
    }),

    ListCollectionIds: unary((request) => {
      const { database } = parseParentName(request.parent);
      const ids = engine.listCollectionIds(request.parent!, engine.listingReadTime(database, request));
      const { items, nextPageToken } = page(ids, (id) => id, request.pageSize, request.pageToken);
      return { collectionIds: items, nextPageToken };
    }),

    UpdateDocument: unary(async (request) => {
      const key = parseDocumentName(request.document?.name);
      const write: Write = { update: request.document!, ...(request.updateMask ? { updateMask: request.updateMask } : {}), ...(request.currentDocument ? { currentDocument: request.currentDocument } : {}) };
      await engine.commit(key.database, [write], undefined);
      const { value } = await engine.getDocuments(key.database, [request.document!.name!], {});
      return toDocument(key.database, value[0]!.document!, maskPaths(request.mask));
    }),

    CreateDocument: unary(async (request) => {
      const { database, segments } = parseParentName(request.parent);
      const id = request.documentId || randomBytes(15).toString('base64url').slice(0, 20);
      const name = documentName(database, [...segments, request.collectionId ?? '', id].join('/'));
      await engine.commit(database, [{ update: { ...request.document, name }, currentDocument: { exists: false } }], undefined);
      const { value } = await engine.getDocuments(database, [name], {});
      return toDocument(database, value[0]!.document!, maskPaths(request.mask));
    }),

    DeleteDocument: unary(async (request) => {
      const key = parseDocumentName(request.name);
      await engine.commit(key.database, [{ delete: request.name!, ...(request.currentDocument ? { currentDocument: request.currentDocument } : {}) }], undefined);
      return {};
    }),

    Listen: unsupportedStream('Listen (onSnapshot)'),
    Write: unsupportedStream('The Write stream'),
    PartitionQuery: unary(() => {
      throw new RpcError(status.UNIMPLEMENTED, `PartitionQuery ${UNSUPPORTED_HINT}`);
    }),
    ExecutePipeline: unsupportedStream('ExecutePipeline'),
  };
  return handlers as UntypedServiceImplementation;
}
