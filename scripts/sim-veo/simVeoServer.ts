import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { bufferBody, sendWithRanges } from '../local-storage/byteRanges';
import { applyFaultsPatch, defaultFaults, type SimVeoFaults, type SimVeoFaultsPatch } from './faults';
import { OperationStore, type SimOperation } from './operations';
import { makeTinyMp4, placeholderSize } from './tinyMp4';
import {
  fetchOperationBodySchema,
  MODEL_ROUTE,
  OPERATION_NAME,
  OPERATION_ROUTE,
  sendGoogleError,
  sendJson,
  startBodySchema,
} from './vertexWire';

export interface SimVeoOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Faults in force from the start and again after every reset(). */
  faults?: SimVeoFaultsPatch;
  maxOperations?: number;
  /** A hung start or poll is cut after this long even if the client never gives up. */
  maxHangMs?: number;
  /** Vertex answers 401 without a bearer token; keeping that here proves the adapter's auth is wired. */
  requireAuth?: boolean;
  /** The Vertex label whose value names the generation (what the Veo adapter sends). */
  generationLabelKey?: string;
}

export interface RecordedStart {
  operationName: string;
  model: string;
  labels: Record<string, string>;
  body: unknown;
}

export interface SimVeoStats {
  /** Starts that created an operation (including dropped and hung ones): what Veo would bill. */
  acceptedStarts: number;
  acceptedStartsByGeneration: Record<string, number>;
  /** Starts answered with an error (injected or invalid): nothing created, nothing billed. */
  refusedStarts: number;
  refusedStartsByStatus: Record<string, number>;
  droppedStarts: number;
  hungStarts: number;
  truncatedStarts: number;
  polls: number;
  hungPolls: number;
  operationsStored: number;
  /** The last starts as received, newest last, for asserting what the SDK really sent. */
  recentStarts: RecordedStart[];
}

export interface SimVeo {
  baseUrl: string;
  /** A snapshot, taken when read. */
  readonly stats: SimVeoStats;
  faults: {
    get(): SimVeoFaults;
    /** Merges a patch (validated like POST /__sim/faults) and returns what is now in force. */
    set(patch: SimVeoFaultsPatch): SimVeoFaults;
    /** Back to the faults given at start-up. */
    clear(): SimVeoFaults;
  };
  /** The operation as the simulator holds it, by full name or id. */
  operation(nameOrId: string): SimOperation | undefined;
  /** Makes every stored operation report done on its next poll. */
  finishAll(): void;
  /** Forgets operations and counters and restores the start-up faults. */
  reset(): void;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_RECENT_STARTS = 50;
const MAX_GENERATION_KEYS = 10_000;
const MAX_CACHED_VIDEOS = 64;

/**
 * A stand-in for Vertex Veo that @google/genai reaches through `httpOptions.baseUrl`: it accepts
 * predictLongRunning starts, answers fetchPredictOperation polls, returns a real (tiny) MP4, and
 * misbehaves on demand. Admin API under /__sim: GET stats, GET|POST faults, POST reset.
 */
export async function startSimVeo(options: SimVeoOptions = {}): Promise<SimVeo> {
  const initialFaults = applyFaultsPatch(defaultFaults(), options.faults ?? {});
  const maxHangMs = options.maxHangMs ?? 120_000;
  const requireAuth = options.requireAuth ?? true;
  const generationLabelKey = options.generationLabelKey ?? 'generation_id';
  const operations = new OperationStore(options.maxOperations ?? 1_000);
  const videoCache = new Map<string, Buffer>();
  const hung = new Set<Socket>();
  let faults = initialFaults;
  let stats = emptyStats();
  let baseUrl = '';

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendGoogleError(res, 500, `simulator bug: ${String(error)}`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    if (path.startsWith('/__sim/')) return handleAdmin(req, res, path);
    if (requireAuth && !/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      return sendGoogleError(res, 401, 'Request is missing required authentication credential. Expected OAuth 2 access token.');
    }
    const modelRoute = MODEL_ROUTE.exec(path);
    if (modelRoute && req.method === 'POST') {
      const [, , project, location, model, verb] = modelRoute as unknown as [string, string, string, string, string, string];
      const body = await readJson(req);
      if (body === TOO_LARGE) return sendGoogleError(res, 413, 'request body too large');
      if (verb === 'predictLongRunning') return start(req, res, { project, location, model }, body);
      return poll(req, res, fetchOperationBodySchema.safeParse(body));
    }
    const operationRoute = OPERATION_ROUTE.exec(path);
    if (operationRoute && req.method === 'GET') {
      return poll(req, res, { success: true, data: { operationName: operationRoute[2]! } });
    }
    return sendGoogleError(res, 404, `simulated Veo has no route ${req.method} ${path}`);
  }

  function start(
    req: IncomingMessage,
    res: ServerResponse,
    route: { project: string; location: string; model: string },
    rawBody: unknown,
  ): void {
    const failure = faults.failNextStarts;
    if (failure) {
      faults = { ...faults, failNextStarts: failure.count > 1 ? { ...failure, count: failure.count - 1 } : null };
      return refuse(res, failure.status, failure.message ?? `simulated ${failure.status} from Veo`);
    }
    if (!route.model.startsWith('veo-')) return refuse(res, 404, `Publisher model ${route.model} is not found or you do not have access.`);
    const parsed = startBodySchema.safeParse(rawBody);
    if (!parsed.success) return refuse(res, 400, `invalid generateVideos request: ${parsed.error.message}`);
    const { instances, parameters, labels = {} } = parsed.data;

    const id = randomUUID();
    const acceptedAtMs = Date.now();
    const filteredCount = Math.min(faults.filtered?.count ?? 0, parameters.sampleCount);
    const operation: SimOperation = {
      id,
      name: `projects/${route.project}/locations/${route.location}/publishers/google/models/${route.model}/operations/${id}`,
      model: route.model,
      prompt: instances[0]!.prompt,
      sampleCount: parameters.sampleCount,
      durationSeconds: parameters.durationSeconds,
      aspectRatio: parameters.aspectRatio,
      labels,
      acceptedAtMs,
      doneAtMs: acceptedAtMs + faults.latencyMs,
      filteredCount,
      filteredReasons: filteredCount > 0 ? [...(faults.filtered?.reasons ?? [])] : [],
      error: faults.operationError,
      output: parameters.storageUri ? 'gcs' : faults.output,
      ...(parameters.storageUri ? { storageUri: parameters.storageUri } : {}),
    };
    operations.add(operation);
    countAccepted(operation, rawBody);

    if (faults.dropNextStarts > 0) {
      faults = { ...faults, dropNextStarts: faults.dropNextStarts - 1 };
      stats.droppedStarts += 1;
      req.socket.destroy();
      return;
    }
    if (faults.hangNextStarts > 0) {
      faults = { ...faults, hangNextStarts: faults.hangNextStarts - 1 };
      stats.hungStarts += 1;
      return hang(req.socket);
    }
    // Vertex answers a start with the name only; `done` is absent until the operation finishes.
    const answer = JSON.stringify({ name: operation.name });
    if (faults.truncateNextStarts > 0) {
      faults = { ...faults, truncateNextStarts: faults.truncateNextStarts - 1 };
      stats.truncatedStarts += 1;
      res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(answer) });
      res.write(answer.slice(0, Math.floor(answer.length / 2)), () => req.socket.destroy());
      return;
    }
    sendJson(res, 200, { name: operation.name });
  }

  function refuse(res: ServerResponse, status: number, message: string): void {
    stats.refusedStarts += 1;
    stats.refusedStartsByStatus[status] = (stats.refusedStartsByStatus[status] ?? 0) + 1;
    sendGoogleError(res, status, message);
  }

  function countAccepted(operation: SimOperation, body: unknown): void {
    stats.acceptedStarts += 1;
    const generationId = operation.labels[generationLabelKey];
    if (generationId !== undefined) {
      const known = generationId in stats.acceptedStartsByGeneration;
      if (known || Object.keys(stats.acceptedStartsByGeneration).length < MAX_GENERATION_KEYS) {
        stats.acceptedStartsByGeneration[generationId] = (stats.acceptedStartsByGeneration[generationId] ?? 0) + 1;
      }
    }
    stats.recentStarts.push({ operationName: operation.name, model: operation.model, labels: operation.labels, body });
    if (stats.recentStarts.length > MAX_RECENT_STARTS) stats.recentStarts.shift();
  }

  function poll(
    req: IncomingMessage,
    res: ServerResponse,
    parsed: { success: true; data: { operationName: string } } | { success: false; error: { message: string } },
  ): void {
    stats.polls += 1;
    if (!parsed.success) return sendGoogleError(res, 400, `invalid fetchPredictOperation request: ${parsed.error.message}`);
    if (faults.hangPolls) {
      stats.hungPolls += 1;
      return hang(req.socket);
    }
    const id = OPERATION_NAME.exec(parsed.data.operationName)?.[1];
    const operation = id === undefined ? undefined : operations.get(id);
    if (!operation || operation.name !== parsed.data.operationName) {
      return sendGoogleError(res, 404, `Operation ${parsed.data.operationName} not found.`);
    }
    if (Date.now() < operation.doneAtMs) return sendJson(res, 200, { name: operation.name });
    if (operation.error) return sendJson(res, 200, { name: operation.name, done: true, error: operation.error });
    sendJson(res, 200, { name: operation.name, done: true, response: finishedResponse(operation) });
  }

  function finishedResponse(operation: SimOperation): Record<string, unknown> {
    const returned = operation.sampleCount - operation.filteredCount;
    const response: Record<string, unknown> = {
      '@type': 'type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse',
    };
    // All samples filtered: Vertex leaves `videos` out entirely, it does not send [].
    if (returned > 0) {
      response.videos = Array.from({ length: returned }, (_, index) => videoEntry(operation, index));
    }
    if (operation.filteredCount > 0) {
      response.raiMediaFilteredCount = operation.filteredCount;
      response.raiMediaFilteredReasons = operation.filteredReasons;
    }
    return response;
  }

  function videoEntry(operation: SimOperation, index: number): Record<string, string> {
    if (operation.output === 'inline') {
      return { bytesBase64Encoded: videoFor(operation, index).toString('base64'), mimeType: 'video/mp4' };
    }
    if (operation.output === 'uri') {
      return { gcsUri: `${baseUrl}/__sim/videos/${operation.id}/${index}.mp4`, mimeType: 'video/mp4' };
    }
    const prefix = operation.storageUri ?? 'gs://sim-veo-output/';
    return { gcsUri: `${prefix.endsWith('/') ? prefix : `${prefix}/`}${operation.id}/sample_${index}.mp4`, mimeType: 'video/mp4' };
  }

  function videoFor(operation: SimOperation, index: number): Buffer {
    const { width, height } = placeholderSize(operation.aspectRatio);
    const key = `${width}x${height}/${operation.durationSeconds}/${index}/${operation.prompt}`;
    let video = videoCache.get(key);
    if (!video) {
      video = makeTinyMp4({ width, height, durationSeconds: operation.durationSeconds, seed: `${operation.prompt}#${index}` });
      videoCache.set(key, video);
      if (videoCache.size > MAX_CACHED_VIDEOS) videoCache.delete(videoCache.keys().next().value!);
    }
    return video;
  }

  function hang(socket: Socket): void {
    hung.add(socket);
    const timer = setTimeout(() => socket.destroy(), maxHangMs);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      hung.delete(socket);
    });
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/__sim/healthz') return sendJson(res, 200, { ok: true });
    if (path === '/__sim/stats' && req.method === 'GET') return sendJson(res, 200, snapshot());
    if (path === '/__sim/faults' && req.method === 'GET') return sendJson(res, 200, faults);
    if (path === '/__sim/faults' && req.method === 'POST') {
      const body = await readJson(req);
      try {
        faults = applyFaultsPatch(faults, body === TOO_LARGE ? undefined : body);
      } catch (error) {
        return sendJson(res, 400, { error: { code: 400, message: `invalid faults: ${String(error)}` } });
      }
      return sendJson(res, 200, faults);
    }
    if (path === '/__sim/reset' && req.method === 'POST') {
      reset();
      return sendJson(res, 200, { ok: true });
    }
    if (path === '/__sim/finish' && req.method === 'POST') {
      finishAll();
      return sendJson(res, 200, { ok: true });
    }
    const video = /^\/__sim\/videos\/([^/]+)\/(\d+)\.mp4$/.exec(path);
    if (video && (req.method === 'GET' || req.method === 'HEAD')) {
      const operation = operations.get(video[1]!);
      const index = Number(video[2]);
      if (!operation || index >= operation.sampleCount - operation.filteredCount) return sendGoogleError(res, 404, 'no such video');
      return sendWithRanges(req, res, bufferBody(videoFor(operation, index), 'video/mp4'));
    }
    return sendGoogleError(res, 404, `simulated Veo has no admin route ${req.method} ${path}`);
  }

  function snapshot(): SimVeoStats {
    return structuredClone({ ...stats, operationsStored: operations.size });
  }

  function finishAll(): void {
    const now = Date.now();
    for (const operation of operations.all()) {
      if (operation.doneAtMs > now) operation.doneAtMs = now;
    }
  }

  function reset(): void {
    operations.clear();
    stats = emptyStats();
    faults = initialFaults;
    for (const socket of hung) socket.destroy();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${address.address}:${address.port}`;
  videoFor({ aspectRatio: '16:9', durationSeconds: 8, prompt: 'warm-up' } as SimOperation, 0);

  return {
    baseUrl,
    get stats() {
      return snapshot();
    },
    faults: {
      get: () => faults,
      set: (patch) => (faults = applyFaultsPatch(faults, patch)),
      clear: () => (faults = initialFaults),
    },
    operation: (nameOrId) => operations.get(OPERATION_NAME.exec(nameOrId)?.[1] ?? nameOrId),
    finishAll,
    reset,
    stop: async () => {
      for (const socket of hung) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function emptyStats(): SimVeoStats {
  return {
    acceptedStarts: 0,
    acceptedStartsByGeneration: {},
    refusedStarts: 0,
    refusedStartsByStatus: {},
    droppedStarts: 0,
    hungStarts: 0,
    truncatedStarts: 0,
    polls: 0,
    hungPolls: 0,
    operationsStored: 0,
    recentStarts: [],
  };
}

const TOO_LARGE = Symbol('too large');

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
