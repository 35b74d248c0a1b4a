import { format } from 'node:util';
import type { LambdaErrorPayload } from './protocol.ts';

/** Lambda's Node.js runtime turns a thrown value into `{errorType, errorMessage, trace}`. */
export function toLambdaError(value: unknown, fallbackType = 'Error'): LambdaErrorPayload {
  if (value instanceof Error) {
    const trace = (value.stack ?? `${value.name}: ${value.message}`).split('\n');
    return {
      errorType: value.name || fallbackType,
      errorMessage: value.message,
      trace,
      stackTrace: trace,
    };
  }
  if (typeof value === 'string')
    return { errorType: 'string', errorMessage: value, trace: [], stackTrace: [] };
  return { errorType: fallbackType, errorMessage: format('%o', value), trace: [], stackTrace: [] };
}
