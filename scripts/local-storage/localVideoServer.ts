import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sendWithRanges } from './byteRanges';

export interface LocalVideoServerOptions {
  /** The directory LocalVideoStorage writes to. */
  dir: string;
  port?: number;
  host?: string;
}

export interface LocalVideoServer {
  baseUrl: string;
  stop(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
};

/**
 * Serves local mode's stored videos read-only, with Range support (a <video> element seeks with
 * Range requests and Safari will not play without them). Only known video files are served.
 */
export async function startLocalVideoServer(options: LocalVideoServerOptions): Promise<LocalVideoServer> {
  const root = path.resolve(options.dir);
  const server = http.createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Pages of the local web app on another port play these videos.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(new URL(req.url ?? '/', 'http://local').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = path.resolve(root, `.${relative}`);
    const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()];
    if (!file.startsWith(`${root}${path.sep}`) || !contentType) {
      res.writeHead(404).end();
      return;
    }
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    await sendWithRanges(req, res, {
      size: info.size,
      contentType,
      etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`,
      lastModified: info.mtime,
      open: ({ start, end }) => createReadStream(file, { start, end }),
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    baseUrl: `http://${address.address}:${address.port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
