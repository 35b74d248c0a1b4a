/**
 * The handler kit's one import surface (package.json `imports`: `#shared/handler`):
 *
 *   import { nsqHandler, finish, requeue, deadLetter } from '#shared/handler';
 *
 * Its testing helpers come from here too (`batchEvent`, `eventMessage`, `lambdaContext`). The
 * middlewares are separate modules (`#shared/middleware/<name>`), so a function bundles only the ones
 * it uses.
 */
export { InvalidBatchEventError, MiddlewareOrderError, OptionsError } from '#shared/errors';
export { NsqBatch } from './batch-state.ts';
export type { BodyOf, BodySpec } from './body.ts';
export { type ClaimCheckReader, s3ClaimCheckReader } from './claim-check-reader.ts';
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
export { batchEvent, eventMessage, lambdaContext } from './testing.ts';
