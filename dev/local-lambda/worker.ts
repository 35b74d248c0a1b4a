/**
 * The runtime inside one worker process: the local stand-in for Lambda's Node.js runtime interface client
 * (aws-lambda-ric 4.x, which nodejs24.x carries, or 3.x, which nodejs22.x carries). It imports the function's
 * bundle once (module scope survives between invocations, as in a warm execution environment), then runs one
 * invocation per `invoke` message from the server and answers with the result, the logs of that invocation and
 * the process's memory. Invocations arrive on a pipe of their own (invoke-channel.ts). How an invocation finishes follows the client (buffered-invoke.ts for 4.x,
 * callback-context.ts for 3.x); test/parity holds it to the real one.
 *
 * Started as `node --max-old-space-size=<memoryMb> worker.mjs <bundle> <handlerExport> <ric3|ric4>`
 * with an IPC channel and the invoke pipe on fd 4. The server bundles this file with esbuild; it imports
 * nothing but Node built-ins.
 */
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { CallbackHandlerDeprecatedError, UnhandledPromiseRejection } from '../errors.ts';
import { BufferedInvokeProcessor, buildContextV4, refusesHandler } from './buffered-invoke.ts';
import { buildCallbackContext, type Callback, serializeResponse } from './callback-context.ts';
import { InvokeReader } from './invoke-channel.ts';
import { toLambdaError, toLambdaErrorV4 } from './lambda-error.ts';
import type {
  InvokeContextFields,
  LambdaErrorPayload,
  MemorySample,
  ParentMessage,
  WorkerMessage,
} from './protocol.ts';

type Handler = (event: unknown, context: unknown, callback: Callback) => unknown;

const maxCapturedLogBytes = 64 * 1024;

const [bundleFile, handlerExport, clientArg] = process.argv.slice(2);
/** The client followed: 4.x unless told 3.x. */
const v4 = clientArg !== 'ric3';
const lambdaError = v4 ? toLambdaErrorV4 : toLambdaError;

interface Current {
  readonly requestId: string;
  logs: string;
  /** What runs when the event loop empties (callback-context.ts). */
  emptyLoop: (() => void) | undefined;
}
let current: Current | undefined;

/** The client calls the handler as a method of its Runtime: stack frames read `Runtime.handler`. */
class Runtime {
  constructor(readonly handler: Handler) {}
}

function send(message: WorkerMessage, then?: () => void): void {
  if (!process.send) return;
  process.send(message, undefined, {}, () => then?.());
}

function memory(): MemorySample {
  return { rssBytes: process.memoryUsage.rss(), maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

function installConsole(): void {
  const levels = [
    ['log', 'INFO'],
    ['info', 'INFO'],
    ['warn', 'WARN'],
    ['error', 'ERROR'],
    ['debug', 'DEBUG'],
    ['trace', 'TRACE'],
  ] as const;
  for (const [method, level] of levels) {
    console[method] = (...args: unknown[]) => {
      // The client's text format: one line per call, inner newlines as \r.
      // Outside an invocation the request id is "-" (4.x) or "undefined" (3.x).
      const requestId = current?.requestId ?? (v4 ? '-' : 'undefined');
      const line = `${new Date().toISOString()}\t${requestId}\t${level}\t${format(...args)}`;
      const text = `${line.replace(/\n/g, '\r')}\n`;
      (level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout).write(text);
      if (current) {
        current.logs += text;
        if (current.logs.length > maxCapturedLogBytes)
          current.logs = current.logs.slice(-maxCapturedLogBytes);
      }
    };
  }
}

/** The client's "Invoke Error" log line (LogPatch.js textErrorLogger): the error with its own fields, as JSON. */
function logInvokeError(label: string, err: unknown): void {
  const error = err instanceof Error ? err : new Error(err as string);
  const withFields = (value: unknown) => {
    if (!(value instanceof Error)) return value;
    const fields = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: (value as { code?: unknown }).code },
      value,
    );
    return typeof value.stack === 'string' ? { ...fields, stack: value.stack.split('\n') } : fields;
  };
  let formatted: string;
  try {
    formatted = `\t${JSON.stringify(error, (_key, value: unknown) => withFields(value))}`;
  } catch {
    formatted = `\t${JSON.stringify(lambdaError(error))}`;
  }
  console.error(label, formatted);
}

/** Sends the answer of the running invocation (once) and waits for the next one. */
function finish(
  answer: { payload: string } | { error: LambdaErrorPayload },
  fatal = false,
  then?: () => void,
) {
  const running = current;
  if (!running) return;
  current = undefined;
  process.channel?.ref();
  send(
    {
      type: 'result',
      requestId: running.requestId,
      ...answer,
      logs: running.logs,
      ...(fatal ? { fatal } : {}),
      ...memory(),
    },
    then,
  );
}

/** The client's context: callback members first, then the environment's and the invocation's fields. */
function makeContext(fields: InvokeContextFields, callbackContext: object) {
  return Object.assign(
    callbackContext,
    {
      functionVersion: fields.functionVersion,
      functionName: fields.functionName,
      memoryLimitInMB: fields.memoryLimitInMB,
      logGroupName: fields.logGroupName,
      logStreamName: fields.logStreamName,
    },
    {
      clientContext: undefined,
      identity: undefined,
      invokedFunctionArn: fields.invokedFunctionArn,
      awsRequestId: fields.awsRequestId,
      tenantId: undefined,
      getRemainingTimeInMillis: () => fields.deadlineMs - Date.now(),
    },
  );
}

/** One invocation as the 4.x client runs it (buffered-invoke.ts). */
function invokeV4(processor: BufferedInvokeProcessor, message: ParentMessage, payload: string): void {
  const running: Current = { requestId: message.context.awsRequestId, logs: '', emptyLoop: undefined };
  current = running;
  // Nothing may keep the process alive but the handler's own work: with an empty event loop it ends (exit 0).
  process.channel?.unref();
  const live = () => current === running;
  let event: unknown;
  try {
    event = JSON.parse(payload === '' ? '{}' : payload);
  } catch (err) {
    finish({ error: lambdaError(err) });
    return;
  }
  void processor.processInvoke(event, buildContextV4(message.context), {
    succeed: (payload) => {
      if (live()) finish({ payload });
    },
    fail: (err) => {
      if (!live()) return;
      logInvokeError('Invoke Error', err);
      finish({ error: lambdaError(err) });
    },
  });
}

/** One invocation as the 3.x client runs it (callback-context.ts). */
function invokeV3(runtime: Runtime, message: ParentMessage, payload: string): void {
  const requestId = message.context.awsRequestId;
  const running: Current = { requestId, logs: '', emptyLoop: undefined };
  current = running;
  // While the handler runs, the IPC channel must not keep the process alive: "the event loop is empty" is
  // how the client knows a callback-style or non-async handler is done.
  process.channel?.unref();
  const live = () => current === running;
  const [callback, callbackContext, markCompleted] = buildCallbackContext({
    respond: (result) => {
      const payload = serializeResponse(result);
      if (live()) finish({ payload });
    },
    fail: (err) => {
      if (!live()) return;
      logInvokeError('Invoke Error', err);
      finish({ error: toLambdaError(err) });
    },
    onEmptyLoop: (listener) => {
      running.emptyLoop = listener;
    },
  });
  running.emptyLoop = () => {
    markCompleted();
    if (live()) finish({ payload: 'null' });
  };
  try {
    const event: unknown = JSON.parse(payload === '' ? '{}' : payload);
    const result = runtime.handler(event, makeContext(message.context, callbackContext), callback);
    if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as Promise<unknown>)
        .then(callbackContext.succeed, callbackContext.fail)
        .catch(callbackContext.fail);
    }
  } catch (err) {
    callback(err);
  }
}

/** An error outside the handler's promise chain fails the running invocation and ends the process. */
function failAndExit(error: LambdaErrorPayload, exitCode: number): void {
  if (current) finish({ error }, true, () => process.exit(exitCode));
  else process.exit(exitCode);
}

async function main(): Promise<void> {
  installConsole();
  process.on('disconnect', () => process.exit(0));
  // The server decides when a worker ends (and the worker ends with it: 'disconnect'); a terminal's Ctrl-C
  // reaching the whole process group must not kill invocations the bridge is draining.
  process.on('SIGINT', () => {});
  if (!v4) {
    // 3.x's handlers, with its exit codes: 129 for an uncaught exception, 128 for an unhandled rejection.
    // 4.x installs none: Node prints the error and exits with status 1.
    process.on('uncaughtException', (err) => {
      logInvokeError('Uncaught Exception', err);
      failAndExit(toLambdaError(err), 129);
    });
    process.on('unhandledRejection', (reason, promise) => {
      const error = new UnhandledPromiseRejection(reason, promise);
      logInvokeError('Unhandled Promise Rejection', error);
      failAndExit(toLambdaError(error), 128);
    });
    process.on('beforeExit', () => {
      const listener = current?.emptyLoop;
      if (current) current.emptyLoop = undefined;
      listener?.();
    });
  }
  if (!bundleFile || !handlerExport) {
    send({
      type: 'init-error',
      error: { errorType: 'Runtime.InvalidEntrypoint', errorMessage: 'usage: worker.mjs <bundle> <export>' },
    });
    return;
  }
  const started = performance.now();
  let handler: Handler;
  try {
    const mod = (await import(pathToFileURL(bundleFile).href)) as Record<string, unknown>;
    const exported = mod[handlerExport];
    if (typeof exported !== 'function') {
      const notFound = new Error(
        `index.${handlerExport} is ${exported === undefined ? 'undefined or not exported' : 'not a function'}`,
      );
      notFound.name = 'Runtime.HandlerNotFound';
      send({ type: 'init-error', error: lambdaError(notFound) }, () => process.exit(1));
      return;
    }
    handler = exported as Handler;
  } catch (err) {
    send({ type: 'init-error', error: lambdaError(err) }, () => process.exit(1));
    return;
  }
  if (v4 && refusesHandler(handler)) {
    send({ type: 'init-error', error: lambdaError(new CallbackHandlerDeprecatedError()) }, () =>
      process.exit(1),
    );
    return;
  }
  // A handler refused above declares at most two parameters: 4.x calls it with two.
  const processor = new BufferedInvokeProcessor(handler as (event: unknown, context: unknown) => unknown);
  const runtime = new Runtime(handler);
  InvokeReader.open((message, payload) =>
    v4 ? invokeV4(processor, message, payload) : invokeV3(runtime, message, payload),
  );
  send({ type: 'ready', initDurationMs: performance.now() - started, ...memory() });
}

void main();
