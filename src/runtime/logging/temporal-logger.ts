import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from 'pino';

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The Temporal SDK's runtime logger (worker, workflow, activity and, forwarded, Rust core lines)
 * written by pino with the attributes the SDK attaches as fields. A workflow's `runId` is
 * Temporal's; it becomes `temporalRunId` so that `runId` always means a Baton run.
 */
export class TemporalPinoLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const fields: LogMetadata = { ...meta };
    if (fields.workflowType !== undefined && fields.activityType === undefined && fields.runId !== undefined) {
      fields.temporalRunId = fields.runId;
      delete fields.runId;
    }
    // The SDK's task token lets its holder complete the activity: not a thing for logs.
    delete fields.taskToken;
    if (fields.sdkComponent !== undefined) {
      fields.context = `temporal.${String(fields.sdkComponent)}`;
      delete fields.sdkComponent;
    }
    this.logger[LEVELS[level] ?? 'info'](fields, message);
  }
  trace(message: string, meta?: LogMetadata) {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata) {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata) {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata) {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata) {
    this.log('ERROR', message, meta);
  }
}
