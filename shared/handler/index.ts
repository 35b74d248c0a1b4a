/**
 * The handler kit in one import:
 *
 *   import { nsqHandler, finish, requeue, deadLetter } from '#shared/handler/index';
 */
export { InvalidBatchEventError, NsqBatch } from './batch-state.ts';
export type { BodyOf, BodySpec } from './body.ts';
export {
  DEFAULT_MAX_BODY_BYTES,
  type FetchHandler,
  type FetchHandlerOptions,
  PREVIOUS_SIGNING_SECRET_ENV,
  SIGNING_SECRET_ENV,
  signingSecretsFrom,
  toFetchHandler,
} from './fetch-handler.ts';
export type { NsqMessage } from './message.ts';
export type { MessageLog } from './message-log.ts';
export {
  type NsqHandlerOptions,
  type NsqMiddleware,
  type NsqMiddyHandler,
  nsqHandler,
  readBatchBodies,
} from './nsq-handler.ts';
export { deadLetter, finish, type Outcome, requeue } from './outcome.ts';
export type {
  BatchContext,
  BatchHandler,
  BatchOutcomes,
  MessageContext,
  MessageHandler,
} from './process-batch.ts';
