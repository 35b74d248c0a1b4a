/**
 * CPU per Invoke of the bridge's Lambda invoker against the SDK invoker it replaced (issue 18), not a
 * test: both send the same payload to the Invoke responder, which runs in a child process so its CPU is
 * not counted, in alternating rounds on this shared machine. Prints CPU µs per Invoke (user + system of
 * this process) for each round and the median.
 *
 *   node dev/node.mjs node --import tsx bench/invoke-cpu.ts [--invokes 2000] [--bytes 27000]
 *     [--concurrency 4] [--rounds 5] [--only sdk|lean]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createLambdaInvoker } from '#bridge/lambda/lambda-invoker';
import type { BatchInvoker } from '#bridge/ports';
import { startInvokeResponder } from '#test/harness/invoke-responder';
import { createSdkLambdaInvoker } from './sdk-lambda-invoker.ts';

const { values } = parseArgs({
  options: {
    responder: { type: 'boolean', default: false },
    invokes: { type: 'string', default: '2000' },
    bytes: { type: 'string', default: '27000' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '5' },
    only: { type: 'string' },
  },
});

if (values.responder) {
  const responder = await startInvokeResponder(() => ({ body: '{"batchItemFailures":[]}' }));
  process.stdout.write(`${responder.endpoint}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void responder.close().then(() => process.exit(0)));
} else {
  const invokes = Number(values.invokes);
  const concurrency = Number(values.concurrency);
  const rounds = Number(values.rounds);
  const child = spawn(
    process.execPath,
    [...process.execArgv, new URL(import.meta.url).pathname, '--responder'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const [endpoint] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const payload = Buffer.from(JSON.stringify({ body: 'x'.repeat(Math.max(0, Number(values.bytes) - 11)) }));
  const common = {
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' },
    maxSockets: concurrency + 2,
    connectionTimeoutMs: 3_000,
  };
  const invokers: Record<string, BatchInvoker> = {
    sdk: createSdkLambdaInvoker(common),
    lean: createLambdaInvoker(common),
  };

  async function run(invoker: BatchInvoker, count: number): Promise<{ cpuUs: number; wallMs: number }> {
    let next = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) {
          const result = await invoker.invoke({ functionName: 'bench-fn', payload, timeoutMs: 30_000 });
          if (result.kind !== 'ok') throw new Error(`invoke failed: ${JSON.stringify(result)}`);
        }
      }),
    );
    const used = process.cpuUsage(cpu);
    return { cpuUs: used.user + used.system, wallMs: performance.now() - started };
  }

  for (const invoker of Object.values(invokers)) await run(invoker, 300); // warm-up: JIT, sockets
  const perInvoke: Record<string, number[]> = { sdk: [], lean: [] };
  for (let round = 0; round < rounds; round++) {
    const order = (round % 2 === 0 ? ['sdk', 'lean'] : ['lean', 'sdk']).filter(
      (name) => values.only === undefined || name === values.only,
    );
    for (const name of order) {
      const { cpuUs, wallMs } = await run(invokers[name] as BatchInvoker, invokes);
      perInvoke[name]?.push(cpuUs / invokes);
      console.log(
        `round ${round + 1} ${name.padEnd(4)}: ${(cpuUs / invokes).toFixed(0)} µs CPU/invoke, ${(wallMs / invokes).toFixed(3)} ms wall/invoke`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  console.log(
    `payload ${payload.byteLength} B, ${invokes} invokes × ${rounds} rounds, concurrency ${concurrency}`,
  );
  for (const [name, xs] of Object.entries(perInvoke))
    console.log(
      `${name.padEnd(4)}: median ${median(xs).toFixed(0)} µs CPU/invoke (range ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`,
    );
  for (const invoker of Object.values(invokers)) await invoker.close();
  child.stdin?.end();
  await once(child, 'exit');
}
