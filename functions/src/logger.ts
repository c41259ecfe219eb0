/**
 * Structured JSON logs, one object per line, in the shape Cloud Logging reads from stdout:
 * `severity`, `message`, and the trace under its special key so one request's lines group
 * together. Every line about money carries generationId and accountId so an operator can follow
 * one generation from request to settlement with a single filter.
 */
export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL';

const SEVERITY_RANK: Record<Severity, number> = { DEBUG: 100, INFO: 200, NOTICE: 300, WARNING: 400, ERROR: 500, CRITICAL: 600 };

export interface LogContext {
  generationId?: string;
  accountId?: string;
  /** W3C / Cloud trace id of the request that started this work. */
  trace?: string;
  component?: string;
  [key: string]: unknown;
}

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);
let minimumRank = SEVERITY_RANK[(process.env.LOG_LEVEL as Severity | undefined) ?? 'INFO'] ?? SEVERITY_RANK.INFO;

/** Tests capture lines to assert what an operator would see. Returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

export function setLogLevel(level: Severity): void {
  minimumRank = SEVERITY_RANK[level];
}

function serializeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const { code, details } = error as Error & { code?: unknown; details?: unknown };
    return { name: error.name, message: error.message, stack: error.stack, ...(code !== undefined ? { code } : {}), ...(details !== undefined ? { details } : {}) };
  }
  return { value: String(error) };
}

export class Logger {
  constructor(private readonly context: LogContext = {}) {}

  child(context: LogContext): Logger {
    return new Logger({ ...this.context, ...context });
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('DEBUG', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write('INFO', message, fields);
  }
  notice(message: string, fields?: Record<string, unknown>): void {
    this.write('NOTICE', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('WARNING', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write('ERROR', message, fields);
  }
  critical(message: string, fields?: Record<string, unknown>): void {
    this.write('CRITICAL', message, fields);
  }

  private write(severity: Severity, message: string, fields: Record<string, unknown> = {}): void {
    if (SEVERITY_RANK[severity] < minimumRank) return;
    const { error, ...rest } = fields;
    const entry: Record<string, unknown> = { severity, message, time: new Date().toISOString(), ...this.context, ...rest };
    if (error !== undefined) entry.error = serializeError(error);
    const project = process.env.GOOGLE_CLOUD_PROJECT ?? process.env.GCLOUD_PROJECT;
    if (typeof entry.trace === 'string' && project) entry['logging.googleapis.com/trace'] = `projects/${project}/traces/${entry.trace}`;
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      line = JSON.stringify({ severity, message, note: 'fields were not serializable', ...this.context });
    }
    sink(line);
  }
}

export const logger = new Logger();

/** The trace id of an incoming request: W3C traceparent first, then Google's X-Cloud-Trace-Context. */
export function traceFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const traceparent = first(headers.traceparent);
  const w3c = traceparent ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent) : null;
  if (w3c) return w3c[1];
  const cloud = first(headers['x-cloud-trace-context']);
  const google = cloud ? /^([0-9a-f]{32})(?:\/|$)/.exec(cloud) : null;
  return google ? google[1] : undefined;
}
