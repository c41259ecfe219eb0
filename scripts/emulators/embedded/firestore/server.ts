import * as grpc from '@grpc/grpc-js';
import { firestoreServiceDefinition } from '../protos';
import { listenGrpcAndHttp, type SharedPortServer } from '../sharedPort';
import { FirestoreEngine } from './engine';
import { firestoreHandlers } from './grpcService';
import { firestoreHttpHandler } from './httpAdmin';

/** Firestore documents are up to 1 MiB and a commit up to 500 writes; leave room above the 4 MiB gRPC default. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export async function startFirestoreServer(options: { host: string; port: number }): Promise<SharedPortServer> {
  const engine = new FirestoreEngine();
  const grpcServer = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  grpcServer.addService(firestoreServiceDefinition(), firestoreHandlers(engine));
  const server = await listenGrpcAndHttp({ host: options.host, port: options.port, grpcServer, onHttpRequest: firestoreHttpHandler(engine) });
  return {
    port: server.port,
    async close() {
      engine.close();
      await server.close();
    },
  };
}
