import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvokeReader, payloadText, writeInvoke } from '#dev/local-lambda/invoke-channel';
import type { ParentMessage } from '#dev/local-lambda/protocol';

const context = {
  awsRequestId: 'r-1',
  functionName: 'fn',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
  memoryLimitInMB: '128',
  logGroupName: '/aws/lambda/fn',
  logStreamName: '2026/12/05/[$LATEST]0',
  deadlineMs: 1_000,
  xRayTraceId: '',
};

/** The bytes writeInvoke puts on the pipe for one invocation. */
function frame(payload: Buffer, awsRequestId: string): { message: ParentMessage; bytes: Buffer } {
  const message: ParentMessage = {
    type: 'invoke',
    payloadBytes: payload.length,
    context: { ...context, awsRequestId },
  };
  const pipe = new PassThrough();
  writeInvoke(pipe, message, cut(payload, [payload.length >> 1]));
  pipe.end();
  const chunks: Buffer[] = [];
  for (let chunk = pipe.read() as Buffer | null; chunk; chunk = pipe.read() as Buffer | null)
    chunks.push(chunk);
  return { message, bytes: Buffer.concat(chunks) };
}

/** `bytes` in pieces cut at `cuts`. */
function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let at = 0;
  for (const end of [...cuts].sort((a, b) => a - b)) {
    pieces.push(bytes.subarray(at, end));
    at = end;
  }
  pieces.push(bytes.subarray(at));
  return pieces;
}

/** Feeds `bytes` to the reader in pieces cut at `cuts`. */
function feed(reader: InvokeReader, bytes: Buffer, cuts: readonly number[]): void {
  for (const piece of cut(bytes, cuts)) reader.push(piece);
}

const bytesAndCuts = fc
  .uint8Array({ maxLength: 64 })
  .chain((raw) => fc.tuple(fc.constant(Buffer.from(raw)), fc.array(fc.nat({ max: raw.length }))));

describe('invoke channel', () => {
  it("reads a body's chunks as Buffer#toString('utf8') reads them joined, however the socket cut them", () => {
    // Bytes, not only valid UTF-8: the server validates the text the worker will parse.
    fc.assert(
      fc.property(bytesAndCuts, ([bytes, cuts]) => {
        expect(payloadText(cut(bytes, cuts))).toBe(bytes.toString('utf8'));
      }),
      { numRuns: 2000 },
    );
  });

  it("delivers each message with its payload's text as Buffer#toString('utf8') gives it, however the pipe cuts the frames", () => {
    // Bytes, not only valid UTF-8: a body's invalid sequences must read as the server decoded them.
    const payloads = fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 4 });
    const framesAndCuts = payloads.chain((raw) => {
      const frames = raw.map((bytes, i) => frame(Buffer.from(bytes), `r-${i}`));
      const all = Buffer.concat(frames.map((f) => f.bytes));
      return fc.tuple(fc.constant(frames), fc.constant(all), fc.array(fc.nat({ max: all.length })));
    });
    fc.assert(
      fc.property(framesAndCuts, ([frames, all, cuts]) => {
        const delivered: [ParentMessage, string][] = [];
        feed(new InvokeReader((message, text) => delivered.push([message, text])), all, cuts);
        expect(delivered).toEqual(frames.map((f) => [f.message, framedText(f)]));
      }),
      { numRuns: 2000 },
    );
  });

  it('waits for the last byte of the payload before delivering', () => {
    const delivered: string[] = [];
    const reader = new InvokeReader((_message, text) => delivered.push(text));
    const { bytes } = frame(Buffer.from('{€}'), 'r-1');
    reader.push(bytes.subarray(0, bytes.length - 2));
    expect(delivered).toEqual([]);
    reader.push(bytes.subarray(bytes.length - 2));
    expect(delivered).toEqual(['{€}']);
  });

  it('delivers a message with an empty payload as soon as its line ends', () => {
    const delivered: string[] = [];
    const reader = new InvokeReader((message, text) => delivered.push(`${message.payloadBytes}:${text}`));
    reader.push(frame(Buffer.alloc(0), 'r-1').bytes);
    expect(delivered).toEqual(['0:']);
  });
});

/** The payload of a frame, as the server received it. */
function framedText(f: { message: ParentMessage; bytes: Buffer }): string {
  return f.bytes.subarray(f.bytes.length - f.message.payloadBytes).toString('utf8');
}
