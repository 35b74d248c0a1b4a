/**
 * Messages between the local Lambda server and its worker processes: the worker's on Node's IPC channel
 * (JSON serialisation), the server's `invoke` on the invoke pipe, followed by the payload's bytes
 * (invoke-channel.ts).
 * One worker runs one invocation at a time, like a Lambda execution environment.
 */

/**
 * The error object Lambda's Node.js runtime returns as the payload of a function error: exactly these fields
 * (the runtime's own failures such as Runtime.ExitError and Sandbox.Timedout carry no `trace`).
 */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  /** The stack lines (the Node.js runtime's field name; there is no `stackTrace`). */
  readonly trace?: readonly string[];
}

/** The invocation context fields a worker needs to build a Lambda `context`. */
export interface InvokeContextFields {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** Epoch ms when the invocation times out; getRemainingTimeInMillis() counts down to it. */
  readonly deadlineMs: number;
  /** The X-Ray trace header of the invocation (4.x's `context.xRayTraceId`); empty when there is none. */
  readonly xRayTraceId: string;
}

export type ParentMessage = {
  readonly type: 'invoke';
  /** The size of the request payload, whose bytes (exactly as received) follow the message (empty means `{}`). */
  readonly payloadBytes: number;
  readonly context: InvokeContextFields;
};

export interface MemorySample {
  /** Resident set size after the invocation. */
  readonly rssBytes: number;
  /** Peak resident set size of the process so far. */
  readonly maxRssBytes: number;
}

export type WorkerMessage =
  | ({ readonly type: 'ready'; readonly initDurationMs: number } & MemorySample)
  | { readonly type: 'init-error'; readonly error: LambdaErrorPayload }
  | ({
      readonly type: 'result';
      readonly requestId: string;
      /** The JSON text of the handler's result (`null` for undefined), or undefined on error. */
      readonly payload?: string;
      readonly error?: LambdaErrorPayload;
      /** What the function logged through console.* during this invocation (Lambda's line format). */
      readonly logs: string;
      /** The process is about to exit (an uncaught exception or rejection outside the handler). */
      readonly fatal?: boolean;
    } & MemorySample);
