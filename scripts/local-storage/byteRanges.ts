import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type ByteRange = { start: number; end: number };

/**
 * Parses a `Range` header against a body of `size` bytes. Only single ranges are honoured
 * (a server may ignore the rest and send everything, which is what browsers expect).
 * Returns null for "send the whole body" and 'unsatisfiable' for a 416.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export interface RangeBody {
  size: number;
  contentType: string;
  /** Inclusive byte range, as in the header. */
  open(range: ByteRange): Readable;
  etag?: string;
  lastModified?: Date;
}

/** Answers GET/HEAD for one body with Range support, so a <video> element can seek and stream it. */
export async function sendWithRanges(req: IncomingMessage, res: ServerResponse, body: RangeBody): Promise<void> {
  const range = parseByteRange(req.headers.range, body.size);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', body.contentType);
  res.setHeader('Cache-Control', 'no-cache');
  if (body.etag) res.setHeader('ETag', body.etag);
  if (body.lastModified) res.setHeader('Last-Modified', body.lastModified.toUTCString());
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${body.size}`, 'Content-Length': 0 }).end();
    return;
  }
  const span = range ?? { start: 0, end: body.size - 1 };
  const length = body.size === 0 ? 0 : span.end - span.start + 1;
  if (range) res.setHeader('Content-Range', `bytes ${span.start}-${span.end}/${body.size}`);
  res.writeHead(range ? 206 : 200, { 'Content-Length': length });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  await pipeline(body.open(span), res);
}

export function bufferBody(bytes: Buffer, contentType: string): RangeBody {
  return {
    size: bytes.length,
    contentType,
    open: ({ start, end }) => Readable.from([bytes.subarray(start, end + 1)]),
  };
}
