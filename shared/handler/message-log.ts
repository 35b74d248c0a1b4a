/**
 * A per-message view of a Powertools Logger: every line carries the message id and attempts (and
 * the batch id), without creating a child logger per message.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { envVar } from './runtime-env.ts';

export type LogExtra = Record<string, unknown>;

export interface MessageLog {
  debug(message: string, extra?: LogExtra): void;
  info(message: string, extra?: LogExtra): void;
  warn(message: string, extra?: LogExtra): void;
  error(message: string, extra?: LogExtra | Error): void;
}

let defaultLogger: Logger | undefined;

/** The kit's logger when the handler gives none: service name from POWERTOOLS_SERVICE_NAME. */
export function kitLogger(): Logger {
  defaultLogger ??= new Logger({ serviceName: envVar('POWERTOOLS_SERVICE_NAME') ?? 'nsq-lambda' });
  return defaultLogger;
}

export function messageLog(
  logger: Logger,
  keys: { readonly messageId: string; readonly attempts: number; readonly batchId?: string },
): MessageLog {
  const line = (extra?: LogExtra | Error): LogExtra =>
    extra instanceof Error ? { ...keys, error: extra } : { ...keys, ...extra };
  return {
    debug: (message, extra) => logger.debug(message, line(extra)),
    info: (message, extra) => logger.info(message, line(extra)),
    warn: (message, extra) => logger.warn(message, line(extra)),
    error: (message, extra) => logger.error(message, line(extra)),
  };
}
