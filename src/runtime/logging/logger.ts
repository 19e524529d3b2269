import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { BatonConfig } from '../config/config.js';
import { REDACTION, scrubText, serializeError } from './redaction.js';

export type { Logger } from 'pino';
export type LogService = 'api' | 'worker';

/** Everything but the destination: shared by the process loggers and the unit specs. */
export function loggerOptions(service: LogService, config: Pick<BatonConfig, 'LOG_LEVEL' | 'LOG_FORMAT'>): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    // pino-pretty reads numeric levels; collectors read the label.
    formatters: config.LOG_FORMAT === 'json' ? { level: (label) => ({ level: label }) } : {},
    redact: REDACTION,
    serializers: {
      err: serializeError,
      error: serializeError,
      stack: (stack: unknown) => (typeof stack === 'string' ? scrubText(stack) : stack),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>);
      },
    },
  };
}

/**
 * The root logger of a process part: JSON lines on stdout (or, with LOG_FORMAT=pretty, coloured
 * lines for a terminal). Writes are synchronous, so the last lines before an exit are not lost.
 */
export function createLogger(
  service: LogService,
  config: Pick<BatonConfig, 'LOG_LEVEL' | 'LOG_FORMAT'>,
  destination?: DestinationStream,
): Logger {
  const out =
    destination ??
    (config.LOG_FORMAT === 'pretty'
      ? pretty({
          sync: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,context',
          messageFormat: '{if context}[{context}] {end}{msg}',
        })
      : pino.destination({ fd: 1, sync: true }));
  return pino(loggerOptions(service, config), out);
}
