import http from 'node:http';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';

/**
 * One TCP port that serves gRPC (HTTP/2 cleartext, prior knowledge) and plain HTTP/1.1, because
 * the official emulators answer both on one port: the client libraries speak gRPC to
 * FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST while readiness probes (`GET /`) and the reset
 * endpoint (`DELETE /emulator/v1/...`) use HTTP/1.1 on the same address. The first bytes decide:
 * every HTTP/2 connection opens with the fixed preface `PRI * HTTP/2.0`.
 */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
/** Bytes needed to tell `PRI ` from `PUT `, `POST`, `PATCH`. */
const SNIFF_BYTES = 4;

export interface SharedPortServer {
  port: number;
  close(): Promise<void>;
}

export interface SharedPortOptions {
  host: string;
  port: number;
  grpcServer: grpc.Server;
  onHttpRequest: http.RequestListener;
}

function isHttp2Preface(head: Buffer): boolean {
  const length = Math.min(head.length, HTTP2_PREFACE.length);
  return head.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length));
}

export async function listenGrpcAndHttp(options: SharedPortOptions): Promise<SharedPortServer> {
  const injector = options.grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const httpServer = http.createServer(options.onHttpRequest);
  httpServer.keepAliveTimeout = 5_000;
  const sockets = new Set<net.Socket>();

  const tcpServer = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const sniff = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) head = Buffer.concat([head, chunk]);
      if (head.length < SNIFF_BYTES && isHttp2Preface(head)) return;
      socket.removeListener('readable', sniff);
      socket.unshift(head);
      if (isHttp2Preface(head)) {
        injector.injectConnection(socket);
      } else {
        httpServer.emit('connection', socket);
      }
    };
    socket.on('readable', sniff);
  });

  await new Promise<void>((resolve, reject) => {
    tcpServer.once('error', reject);
    tcpServer.listen(options.port, options.host, () => {
      tcpServer.removeListener('error', reject);
      resolve();
    });
  });
  const address = tcpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    port,
    async close() {
      await new Promise<void>((resolve) => {
        tcpServer.close(() => resolve());
        injector.destroy();
        options.grpcServer.forceShutdown();
        httpServer.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
