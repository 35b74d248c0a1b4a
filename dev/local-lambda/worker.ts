/**
 * The runtime inside one worker process: the local stand-in for Lambda's Node.js runtime interface client.
 * It imports the function's bundle once (module scope survives between invocations, as in a warm execution
 * environment), then runs one invocation per `invoke` message from the server and answers with the result,
 * the logs of that invocation and the process's memory.
 *
 * Started as `node --max-old-space-size=<memoryMb> --enable-source-maps worker.mjs <bundle> <handlerExport>`
 * with an IPC channel. The server bundles this file with esbuild; it imports nothing but Node built-ins.
 */
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { toLambdaError } from './lambda-error.ts';
import type {
  InvokeContextFields,
  LambdaErrorPayload,
  MemorySample,
  ParentMessage,
  WorkerMessage,
} from './protocol.ts';

type Handler = (
  event: unknown,
  context: unknown,
  callback: (err?: unknown, value?: unknown) => void,
) => unknown;

const maxCapturedLogBytes = 64 * 1024;

const [bundleFile, handlerExport] = process.argv.slice(2);

interface Current {
  readonly requestId: string;
  logs: string;
}
let current: Current | undefined;

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
      const text = `${new Date().toISOString()}\t${current?.requestId ?? 'undefined'}\t${level}\t${format(...args)}\n`;
      (level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout).write(text);
      if (current) {
        current.logs += text;
        if (current.logs.length > maxCapturedLogBytes)
          current.logs = current.logs.slice(-maxCapturedLogBytes);
      }
    };
  }
}

function makeContext(fields: InvokeContextFields, callback: (err?: unknown, value?: unknown) => void) {
  return {
    awsRequestId: fields.awsRequestId,
    functionName: fields.functionName,
    functionVersion: fields.functionVersion,
    invokedFunctionArn: fields.invokedFunctionArn,
    memoryLimitInMB: fields.memoryLimitInMB,
    logGroupName: fields.logGroupName,
    logStreamName: fields.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, fields.deadlineMs - Date.now()),
    done: callback,
    succeed: (value?: unknown) => callback(null, value),
    fail: (err?: unknown) => callback(err ?? new Error('handled')),
  };
}

/** Runs an async handler, or a callback-style one (three parameters). */
function runHandler(handler: Handler, event: unknown, fields: InvokeContextFields): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err?: unknown, value?: unknown) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err);
      else resolve(value);
    };
    let returned: unknown;
    try {
      returned = handler(event, makeContext(fields, callback), callback);
    } catch (err) {
      callback(err ?? new Error('handler threw a nullish value'));
      return;
    }
    if (returned && typeof (returned as PromiseLike<unknown>).then === 'function') {
      (returned as PromiseLike<unknown>).then(
        (value) => callback(null, value),
        (err: unknown) => callback(err ?? new Error('handler rejected with a nullish value')),
      );
    } else if (handler.length < 3) {
      // A synchronous handler that takes no callback: its return value is the result.
      callback(null, returned);
    }
  });
}

async function invoke(handler: Handler, message: ParentMessage): Promise<void> {
  const requestId = message.context.awsRequestId;
  current = { requestId, logs: '' };
  let payload: string | undefined;
  let error: LambdaErrorPayload | undefined;
  try {
    const event: unknown = message.payload === '' ? {} : JSON.parse(message.payload);
    const value = await runHandler(handler, event, message.context);
    try {
      payload = JSON.stringify(value) ?? 'null';
    } catch (err) {
      error = {
        errorType: 'Runtime.MarshalError',
        errorMessage: `Unable to stringify response body: ${String(err)}`,
      };
    }
  } catch (err) {
    error = toLambdaError(err);
  }
  const logs = current.logs;
  current = undefined;
  send({
    type: 'result',
    requestId,
    ...(payload === undefined ? {} : { payload }),
    ...(error ? { error } : {}),
    logs,
    ...memory(),
  });
}

/** An error outside the handler's promise chain fails the running invocation and ends the process. */
function failAndExit(error: LambdaErrorPayload): void {
  if (current) {
    const requestId = current.requestId;
    const logs = current.logs;
    current = undefined;
    send({ type: 'result', requestId, error, logs, fatal: true, ...memory() }, () => process.exit(129));
  } else {
    process.stderr.write(`${error.errorType}: ${error.errorMessage}\n`);
    process.exit(129);
  }
}

async function main(): Promise<void> {
  installConsole();
  process.on('disconnect', () => process.exit(0));
  // The server decides when a worker ends (and the worker ends with it: 'disconnect'); a terminal's Ctrl-C
  // reaching the whole process group must not kill invocations the bridge is draining.
  process.on('SIGINT', () => {});
  process.on('uncaughtException', (err) => failAndExit(toLambdaError(err)));
  process.on('unhandledRejection', (reason) =>
    failAndExit({
      ...toLambdaError(reason),
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason),
    }),
  );
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
      send(
        {
          type: 'init-error',
          error: {
            errorType: 'Runtime.HandlerNotFound',
            errorMessage: `index.${handlerExport} is undefined or not exported`,
          },
        },
        () => process.exit(1),
      );
      return;
    }
    handler = exported as Handler;
  } catch (err) {
    send({ type: 'init-error', error: toLambdaError(err, 'Runtime.ImportModuleError') }, () =>
      process.exit(1),
    );
    return;
  }
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'invoke') void invoke(handler, message);
  });
  send({ type: 'ready', initDurationMs: performance.now() - started, ...memory() });
}

void main();
