import { invalidArgument } from '../rpcError';

/** Resource names: `projects/{p}/databases/{d}` and `.../documents/{collection}/{id}/...`. */
const DATABASE = /^projects\/([^/]+)\/databases\/([^/]+)$/;
const UNDER_DATABASE = /^(projects\/[^/]+\/databases\/[^/]+)\/documents(?:\/(.*))?$/;

export interface DocumentKey {
  /** `projects/{p}/databases/{d}` */
  database: string;
  /** Path below `/documents`, e.g. `accounts/a1/entries/e1`. */
  path: string;
  segments: string[];
}

export function parseDatabaseName(name: string | undefined): string {
  if (!name || !DATABASE.test(name)) throw invalidArgument(`invalid database name: ${name}`);
  return name;
}

export function projectOfDatabase(database: string): string {
  return DATABASE.exec(database)?.[1] ?? '';
}

function parseUnderDatabase(name: string | undefined): { database: string; segments: string[] } {
  const match = name ? UNDER_DATABASE.exec(name) : null;
  if (!match) throw invalidArgument(`invalid resource name: ${name}`);
  const segments = match[2] ? match[2].split('/') : [];
  if (segments.some((segment) => segment === '')) throw invalidArgument(`invalid resource name: ${name}`);
  return { database: match[1]!, segments };
}

export function parseDocumentName(name: string | undefined): DocumentKey {
  const { database, segments } = parseUnderDatabase(name);
  if (segments.length === 0 || segments.length % 2 !== 0) {
    throw invalidArgument(`Document name "${name}" has odd number of segments or is empty`);
  }
  if (segments.some((segment) => segment === '.' || segment === '..' || /^__.*__$/.test(segment))) {
    throw invalidArgument(`Document name "${name}" contains a reserved id`);
  }
  return { database, path: segments.join('/'), segments };
}

/** A query or listing parent: the database root (`.../documents`) or a document. */
export function parseParentName(name: string | undefined): { database: string; segments: string[] } {
  const parsed = parseUnderDatabase(name);
  if (parsed.segments.length % 2 !== 0) throw invalidArgument(`invalid parent: ${name}`);
  return parsed;
}

export function documentName(database: string, path: string): string {
  return `${database}/documents/${path}`;
}
