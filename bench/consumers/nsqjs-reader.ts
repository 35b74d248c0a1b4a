/**
 * The upper bound for a Node consumer: a bare nsqjs Reader that FINs every message on receipt.
 * Run as its own process by the benchmark (so its CPU and RSS are its own):
 *   BENCH_NSQD=127.0.0.1:4150 BENCH_TOPIC=t BENCH_CHANNEL=c BENCH_MAX_IN_FLIGHT=2500 node --import tsx bench/consumers/nsqjs-reader.ts
 */
import { Reader } from 'nsqjs';
import { requiredEnv } from './required-env.ts';

const required = (name: string) => requiredEnv('nsqjs-reader', name);

const reader = new Reader(required('BENCH_TOPIC'), required('BENCH_CHANNEL'), {
  nsqdTCPAddresses: [required('BENCH_NSQD')],
  maxInFlight: Number(process.env.BENCH_MAX_IN_FLIGHT ?? 2500),
  // Keep nsqjs from dropping anything on its own.
  maxAttempts: 0,
  // nsqd buffers writes to a consumer for up to 250 ms by default (-1 disables the buffer).
  ...(process.env.BENCH_OUTPUT_BUFFER_TIMEOUT_MS && {
    outputBufferTimeout: Number(process.env.BENCH_OUTPUT_BUFFER_TIMEOUT_MS),
  }),
});

reader.on('message', (msg) => msg.finish());
reader.on('error', (err) => console.error('nsqjs-reader:', err.message));
reader.connect();

const stop = () => {
  reader.pause();
  // Let queued FINs reach the socket before closing.
  setTimeout(() => {
    reader.close();
    setTimeout(() => process.exit(0), 50);
  }, 50);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
