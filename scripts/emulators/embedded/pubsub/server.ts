import type { RequestListener } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { pubsubServiceDefinitions } from '../protos';
import { listenGrpcAndHttp, type SharedPortServer } from '../sharedPort';
import { PubsubBroker } from './broker';
import { publisherHandlers, subscriberHandlers } from './grpcService';

/** Pub/Sub messages are up to 10 MB, a publish request up to 10 MB plus framing. */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Only the readiness probe of the official emulator (`GET /` → `Ok`); its REST surface is not emulated. */
const httpHandler: RequestListener = (request, response) => {
  request.resume();
  if (request.method === 'GET' && (request.url === '/' || request.url === '')) {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('Ok\n');
    return;
  }
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { code: 404, status: 'NOT_FOUND', message: 'The embedded Pub/Sub emulator serves gRPC only (its REST API is not emulated).' } }));
};

export async function startPubsubServer(options: { host: string; port: number }): Promise<SharedPortServer> {
  const broker = new PubsubBroker();
  const definitions = pubsubServiceDefinitions();
  const grpcServer = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  grpcServer.addService(definitions.publisher, publisherHandlers(broker));
  grpcServer.addService(definitions.subscriber, subscriberHandlers(broker));
  const server = await listenGrpcAndHttp({ host: options.host, port: options.port, grpcServer, onHttpRequest: httpHandler });
  return {
    port: server.port,
    async close() {
      broker.close();
      await server.close();
    },
  };
}
