/**
 * JSON logs (pino) shaped like Karpenter's zap logs: `level`, `time` (ISO), `logger`, `message`, then key/values
 * (`NodeClaim`, `NodePool`, `provider-id`, ...). The core sees the narrow `Logger` port.
 */
import pino from 'pino';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

class PinoLogger implements Logger {
  constructor(private readonly p: pino.Logger) {}
  debug(message: string, fields?: Record<string, unknown>): void { this.p.debug(fields ?? {}, message); }
  info(message: string, fields?: Record<string, unknown>): void { this.p.info(fields ?? {}, message); }
  warn(message: string, fields?: Record<string, unknown>): void { this.p.warn(fields ?? {}, message); }
  error(message: string, fields?: Record<string, unknown>): void { this.p.error(fields ?? {}, message); }
  child(fields: Record<string, unknown>): Logger { return new PinoLogger(this.p.child(fields)); }
}

export interface LoggerOptions {
  readonly level?: string;
  /** @default - stdout */
  readonly destination?: pino.DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const p = pino({
    level: opts.level ?? 'info',
    base: { logger: 'controller' },
    messageKey: 'message',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: label => ({ level: label.toUpperCase() }) },
    serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
  }, opts.destination ?? pino.destination({ dest: 1, sync: false }));
  return new PinoLogger(p);
}

/** A logger that keeps entries in memory (tests). */
export class MemoryLogger implements Logger {
  readonly entries: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  constructor(private readonly base: Record<string, unknown> = {}, entries?: MemoryLogger['entries']) {
    if (entries) this.entries = entries;
  }
  debug(message: string, fields?: Record<string, unknown>): void { this.push('DEBUG', message, fields); }
  info(message: string, fields?: Record<string, unknown>): void { this.push('INFO', message, fields); }
  warn(message: string, fields?: Record<string, unknown>): void { this.push('WARN', message, fields); }
  error(message: string, fields?: Record<string, unknown>): void { this.push('ERROR', message, fields); }
  child(fields: Record<string, unknown>): Logger { return new MemoryLogger({ ...this.base, ...fields }, this.entries); }
  messages(): string[] { return this.entries.map(e => e.message); }
  private push(level: string, message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level, message, fields: { ...this.base, ...fields } });
  }
}

/** Error fields for a log entry: the message chain, never a stack (operators read these). */
export function errorField(e: unknown): string {
  const parts: string[] = [];
  for (let cur: unknown = e, depth = 0; cur !== undefined && depth < 5; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.message);
      cur = (cur as Error & { cause?: unknown }).cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(': ');
}
