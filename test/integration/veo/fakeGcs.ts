import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

/**
 * Just enough of the Cloud Storage JSON API for GcsVideoStorage: multipart upload, object
 * metadata, rewrite (server-side copy) and delete. There is no GCS emulator on these machines.
 * Hashes are real, because the client checks them after an upload.
 */
export interface FakeGcs {
  apiEndpoint: string;
  objects: Map<string, { bytes: Buffer; contentType: string; cacheControl?: string }>;
  requests: string[];
  stop(): Promise<void>;
}

export async function startFakeGcs(): Promise<FakeGcs> {
  const objects: FakeGcs['objects'] = new Map();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: { code: 500, message: String(error) } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    requests.push(`${req.method} ${url.pathname}`);
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload && req.method === 'POST') {
      const [metadataPart, mediaPart] = multipartParts(body, req.headers['content-type'] ?? '');
      const metadata = JSON.parse(metadataPart!.toString('utf8')) as { contentType?: string; cacheControl?: string };
      const name = url.searchParams.get('name')!;
      objects.set(`${upload[1]}/${name}`, {
        bytes: mediaPart!,
        contentType: metadata.contentType ?? 'application/octet-stream',
        ...(metadata.cacheControl ? { cacheControl: metadata.cacheControl } : {}),
      });
      return json(res, 200, resource(upload[1]!, name));
    }
    const rewrite = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)\/rewriteTo\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
    if (rewrite && req.method === 'POST') {
      const [, sourceBucket, sourceName, destinationBucket, destinationName] = rewrite.map(decodeURIComponent) as string[];
      const source = objects.get(`${sourceBucket}/${sourceName}`);
      if (!source) return json(res, 404, { error: { code: 404, message: 'No such object' } });
      const requested = (body.length ? JSON.parse(body.toString('utf8')) : {}) as { contentType?: string };
      objects.set(`${destinationBucket}/${destinationName}`, { ...source, contentType: requested.contentType ?? source.contentType });
      return json(res, 200, {
        kind: 'storage#rewriteResponse',
        done: true,
        totalBytesRewritten: String(source.bytes.length),
        objectSize: String(source.bytes.length),
        resource: resource(destinationBucket!, destinationName!),
      });
    }
    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
    if (object) {
      const key = `${object[1]}/${decodeURIComponent(object[2]!)}`;
      if (!objects.has(key)) return json(res, 404, { error: { code: 404, message: 'No such object' } });
      if (req.method === 'DELETE') {
        objects.delete(key);
        res.writeHead(204).end();
        return;
      }
      return json(res, 200, resource(object[1]!, decodeURIComponent(object[2]!)));
    }
    json(res, 404, { error: { code: 404, message: `fake GCS has no ${req.method} ${url.pathname}` } });
  }

  function resource(bucket: string, name: string): Record<string, string> {
    const stored = objects.get(`${bucket}/${name}`)!;
    return {
      kind: 'storage#object',
      bucket,
      name,
      size: String(stored.bytes.length),
      contentType: stored.contentType,
      md5Hash: createHash('md5').update(stored.bytes).digest('base64'),
      crc32c: crc32c(stored.bytes),
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    apiEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function crc32c(bytes: Buffer): string {
  const crc = new CRC32C();
  crc.update(bytes);
  return crc.toString();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The bodies of a multipart/related request (metadata JSON, then media). */
function multipartParts(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no multipart boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(at + delimiter.length, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    parts.push(part.subarray(headerEnd + 4, part.length - 2)); // drop the CRLF before the next delimiter
    at = next;
  }
  return parts;
}
