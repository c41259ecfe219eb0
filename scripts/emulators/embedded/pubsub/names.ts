import { invalidArgument } from '../rpcError';

/** Resource names `projects/{project}/topics/{id}` and `projects/{project}/subscriptions/{id}`, validated like the service does. */
const RESOURCE = /^projects\/([^/]+)\/(topics|subscriptions)\/([^/]+)$/;
const RESOURCE_ID = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

/** What a subscription's topic becomes when its topic is deleted. */
export const DELETED_TOPIC = '_deleted-topic_';

export function parseResourceName(name: string | undefined, kind: 'topics' | 'subscriptions'): { project: string; id: string } {
  const match = name ? RESOURCE.exec(name) : null;
  if (!match || match[2] !== kind) throw invalidArgument(`Invalid resource name given (name=${name}). Refer to https://cloud.google.com/pubsub/docs/pubsub-basics#resource_names for more information.`);
  const id = match[3]!;
  if (!RESOURCE_ID.test(id) || id.toLowerCase().startsWith('goog')) throw invalidArgument(`Invalid resource name given (name=${name}).`);
  return { project: match[1]!, id };
}

export function parseProjectName(name: string | undefined): string {
  const match = name ? /^projects\/([^/]+)$/.exec(name) : null;
  if (!match) throw invalidArgument(`Invalid project name: ${name}`);
  return match[1]!;
}
