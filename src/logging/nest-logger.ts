import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

const looksLikeStack = (text: unknown): text is string => typeof text === 'string' && /\n\s+at /.test(text);

/**
 * Nest's `Logger` calls (`new Logger(Feature.name)`) written by pino, the logger's name as
 * `context`. Nest appends the context as the last argument; `error` may carry a stack before it.
 */
export class NestPinoLogger implements LoggerService {
  private readonly children = new Map<string, Logger>();

  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const context =
      rest.length && typeof rest[rest.length - 1] === 'string' && !looksLikeStack(rest[rest.length - 1])
        ? (rest.pop() as string)
        : undefined;
    const stack = rest.find(looksLikeStack);
    const logger = this.child(context);
    if (message instanceof Error) logger[level]({ err: message }, message.message);
    else if (looksLikeStack(message)) logger[level]({ stack: message }, message.split('\n')[0]);
    else if (message !== null && typeof message === 'object') {
      const { msg, message: text, ...fields } = message as Record<string, unknown>;
      const line = msg ?? text ?? '';
      logger[level](fields, typeof line === 'string' ? line : JSON.stringify(line));
    } else logger[level](stack ? { stack } : {}, String(message));
  }

  private child(context: string | undefined): Logger {
    if (!context) return this.logger;
    let child = this.children.get(context);
    if (!child) this.children.set(context, (child = this.logger.child({ context })));
    return child;
  }
}
