/**
 * The CPU-heavy work, framework-free: expand a seed into `sizeBytes` of pseudo-random-but-compressible
 * data, then sha256 it and gzip it. Everything runs off the event loop (libuv's thread pool via the
 * async zlib API) or in bounded chunks that check the abort signal, so the kit's deadline still fires.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export interface WorkResult {
  readonly sha256: string;
  readonly inputBytes: number;
  readonly gzipBytes: number;
}

const CHUNK_BYTES = 1024 * 1024;

/** Deterministic data: hex digests of sha256(seed:i), repeated in short runs (so it compresses). */
export async function generatePayload(
  seed: string,
  sizeBytes: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  const out = Buffer.allocUnsafe(sizeBytes);
  let offset = 0;
  let i = 0;
  while (offset < sizeBytes) {
    signal?.throwIfAborted();
    const chunkEnd = Math.min(sizeBytes, offset + CHUNK_BYTES);
    while (offset < chunkEnd) {
      const block = createHash('sha256').update(`${seed}:${i++}`).digest('hex');
      for (let r = 0; r < 4 && offset < chunkEnd; r++) offset += out.write(block, offset, 'latin1');
    }
    // Yield between chunks so timers (the deadline) can run.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

export async function hashAndCompress(payload: Buffer, signal?: AbortSignal): Promise<WorkResult> {
  const hash = createHash('sha256');
  for (let offset = 0; offset < payload.length; offset += CHUNK_BYTES) {
    signal?.throwIfAborted();
    hash.update(payload.subarray(offset, offset + CHUNK_BYTES));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const compressed = await gzipAsync(payload, { level: 9 });
  return { sha256: hash.digest('hex'), inputBytes: payload.length, gzipBytes: compressed.length };
}
