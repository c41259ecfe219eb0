import { status, type ServiceError, Metadata } from '@grpc/grpc-js';

/** A failure that the client must see as a gRPC status, e.g. ABORTED so the Firestore SDK retries. */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** Anything thrown inside a handler becomes a status; unexpected errors are INTERNAL with their message. */
export function toServiceError(error: unknown): ServiceError {
  const code = error instanceof RpcError ? error.code : status.INTERNAL;
  const details = error instanceof Error ? error.message : String(error);
  if (!(error instanceof RpcError)) process.stderr.write(`[embedded emulator] internal error: ${error instanceof Error ? error.stack : details}\n`);
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

export function invalidArgument(message: string): RpcError {
  return new RpcError(status.INVALID_ARGUMENT, message);
}
