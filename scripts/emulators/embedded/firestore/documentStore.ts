import type { TimeNs } from './time';
import type { Fields } from './wireTypes';

/**
 * In-memory documents with their version history, so reads at a `readTime` (read-only
 * transactions, `getAll({readTime})`, consistent query pages) see the database as it was.
 */
export interface StoredDocument {
  /** Path below `/documents`. */
  path: string;
  segments: string[];
  fields: Fields;
  createTimeNs: TimeNs;
  updateTimeNs: TimeNs;
}

interface Version {
  commitTimeNs: TimeNs;
  /** null: deleted at this commit. */
  document: StoredDocument | null;
}

/** Versions older than this are dropped (keeping the one still current then); production keeps one hour too. */
const VERSION_RETENTION_NS = 3600n * 1_000_000_000n;

export class DatabaseStore {
  private readonly versions = new Map<string, Version[]>();

  get(path: string, readTimeNs?: TimeNs): StoredDocument | undefined {
    const history = this.versions.get(path);
    return history ? visibleAt(history, readTimeNs) : undefined;
  }

  put(path: string, document: StoredDocument | null, commitTimeNs: TimeNs): void {
    let history = this.versions.get(path);
    if (!history) {
      if (!document) return;
      history = [];
      this.versions.set(path, history);
    }
    history.push({ commitTimeNs, document });
    const cutoff = commitTimeNs - VERSION_RETENTION_NS;
    let firstKept = 0;
    while (firstKept + 1 < history.length && history[firstKept + 1]!.commitTimeNs <= cutoff) firstKept++;
    if (firstKept > 0) history.splice(0, firstKept);
    if (history.length === 1 && !history[0]!.document) this.versions.delete(path);
  }

  *documents(readTimeNs?: TimeNs): Iterable<StoredDocument> {
    for (const history of this.versions.values()) {
      const document = visibleAt(history, readTimeNs);
      if (document) yield document;
    }
  }
}

function visibleAt(history: Version[], readTimeNs: TimeNs | undefined): StoredDocument | undefined {
  if (readTimeNs === undefined) return history[history.length - 1]!.document ?? undefined;
  for (let i = history.length - 1; i >= 0; i--) {
    const version = history[i]!;
    if (version.commitTimeNs <= readTimeNs) return version.document ?? undefined;
  }
  return undefined;
}

/** Every database of every project; projects are isolated by their database names. */
export class FirestoreStore {
  private readonly databases = new Map<string, DatabaseStore>();

  database(name: string): DatabaseStore {
    let store = this.databases.get(name);
    if (!store) {
      store = new DatabaseStore();
      this.databases.set(name, store);
    }
    return store;
  }

  clearDatabase(name: string): void {
    this.databases.delete(name);
  }
}
