import fs from 'node:fs';
import path from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The gRPC service definitions come from the JSON descriptors the client libraries ship, so the
 * embedded emulators speak exactly the protocol of the installed @google-cloud/firestore and
 * @google-cloud/pubsub. JSON descriptors load in ~50 ms; parsing the .proto files would take longer.
 */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

/** The package root of an installed module, found through its main entry (its package.json is not exported). */
function packageRoot(moduleName: string): string {
  let dir = path.dirname(require.resolve(moduleName));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package root of ${moduleName}`);
    dir = parent;
  }
  return dir;
}

function loadDescriptor(moduleName: string, relativePath: string): protoLoader.PackageDefinition {
  const file = path.join(packageRoot(moduleName), relativePath);
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Parameters<typeof protoLoader.fromJSON>[0];
  return protoLoader.fromJSON(json, LOADER_OPTIONS);
}

function service(definition: protoLoader.PackageDefinition, name: string): ServiceDefinition {
  const found = definition[name];
  // Message types carry a `format` key; services are maps of method definitions.
  if (!found || 'format' in found) throw new Error(`${name} is not a service in the descriptor`);
  return found as unknown as ServiceDefinition;
}

export function firestoreServiceDefinition(): ServiceDefinition {
  return service(loadDescriptor('@google-cloud/firestore', 'build/protos/v1.json'), 'google.firestore.v1.Firestore');
}

export function pubsubServiceDefinitions(): { publisher: ServiceDefinition; subscriber: ServiceDefinition } {
  const definition = loadDescriptor('@google-cloud/pubsub', 'build/protos/protos.json');
  return {
    publisher: service(definition, 'google.pubsub.v1.Publisher'),
    subscriber: service(definition, 'google.pubsub.v1.Subscriber'),
  };
}
