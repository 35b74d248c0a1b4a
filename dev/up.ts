/**
 * `npm start`: the whole system on one machine, on embedded defaults, bound to 127.0.0.1 (see dev/up/stack.ts):
 * nsqlookupd, nsqd (registered with it), nsqadmin, redis-server, the local Upstash endpoint, MinIO (API and
 * console), the local Lambda serving functions/ and the bridge, which discovers nsqd through nsqlookupd.
 * Prints every endpoint with its local-only credentials (dev/up/banner.ts), publishes sample messages for
 * the example functions and shows live progress per subscription (dev/up/progress.ts).
 *
 *   npm start                      # sample traffic, live progress
 *   npm start -- --dev             # the same stack, no sample traffic (a dev stack to publish to yourself)
 *   npm start -- --free-ports      # any free ports instead of the fixed defaults
 *   npm start -- --plain           # progress as lines, also on a terminal
 *
 * Ctrl-C, and SIGINT, SIGTERM or SIGHUP to npm or to this process, drain the bridge and stop everything
 * it started; a second signal exits at once (still killing every child). Exit codes: 0 after a clean
 * stop, 1 when start-up fails (every problem listed), 130 on a second signal.
 *
 * What it starts is recorded under .cache/run (dev/services/run-records.ts): a start first stops what an
 * earlier run that died left behind, when the record proves the process is that run's. Every service runs
 * under the kernel's parent-death signal (dev/services/process.ts `guarded`), so a kill -9 of this process
 * takes the stack with it.
 *
 * package.json runs it as `exec node dev/node.mjs node --import tsx dev/up.ts`: `exec`, so npm's signal
 * reaches dev/node.mjs and not a shell that dies of it; the binaries step runs here, not in that shell.
 * dev/node.mjs forwards signals, and a SIGHUP when npm itself dies (npm does not forward SIGHUP). Not
 * through the tsx CLI: that wrapper relays a Ctrl-C and SIGKILLs its child when the child has not
 * acknowledged the signal within 30 ms twice, and one Ctrl-C reaches it more than once (the terminal,
 * npm, dev/node.mjs).
 */
import { Command } from 'commander';
import { buildBinariesStoppable } from './services/binaries.ts';
import { stopAllProcesses } from './services/process.ts';
import { beginRun, cleanLeftovers, leftoversLine } from './services/run-records.ts';
import { onStopSignals } from './services/stop-signals.ts';
import { banner } from './up/banner.ts';
import { outputMode, ProgressPrinter, ProgressTracker } from './up/progress.ts';
import { sampleMessages } from './up/samples.ts';
import { type Stack, StackError, startStack } from './up/stack.ts';

const program = new Command('npm start')
  .description(
    'Run nsq-lambda locally: nsqlookupd, nsqd, nsqadmin, redis, local Upstash, MinIO, the local Lambda and the bridge',
  )
  .option('--dev', 'keep the stack running without publishing sample messages', false)
  .option('--free-ports', 'use any free ports instead of the fixed defaults', false)
  .option('--plain', 'print progress as lines, also on a terminal (no table redrawn in place)', false)
  .option('--refresh-ms <ms>', 'progress refresh interval', (v) => Number.parseInt(v, 10), 1_000)
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  // Services in their own process groups: Ctrl-C reaches only this process, which stops them in order.
  process.env.NSQ_LAMBDA_SERVICES_OWN_PROCESS_GROUP = '1';
  const opts = program.opts<{ dev: boolean; freePorts: boolean; plain: boolean; refreshMs: number }>();
  const out = process.stdout;
  let stack: Stack | undefined;
  let stopBuild: (() => void) | undefined;
  let run: { end: () => void } | undefined;
  let interrupted = false;
  const { trigger: onSignal } = onStopSignals({
    stop(signal) {
      interrupted = true;
      out.write(`\n${signal}: draining the bridge, then stopping everything...\n`);
      stopBuild?.();
      void (stack?.stop() ?? stopAllProcesses()).then(
        () => {
          run?.end();
          out.write('stopped.\n');
          process.exit(0);
        },
        (err: unknown) => {
          process.stderr.write(`stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exit(1);
        },
      );
    },
    stopNow(signal) {
      out.write(`\n${signal} again: exiting without waiting for the drain\n`);
      void stopAllProcesses(0).finally(() => process.exit(130));
    },
  });

  const leftovers = leftoversLine(await cleanLeftovers());
  if (leftovers) out.write(`${leftovers}\n`);
  run = beginRun();
  const build = buildBinariesStoppable();
  stopBuild = build.stop;
  await build.done.catch((err: unknown) => {
    if (!interrupted) throw err;
  });
  stopBuild = undefined;
  if (interrupted) return;
  stack = await startStack({
    freePorts: opts.freePorts,
    onStatus: (line) => out.write(`${line}\n`),
  });
  if (interrupted) return; // a signal arrived during start-up: stop() is running
  out.write(`${banner(stack, opts.dev)}\n`);

  const mode = outputMode(out.isTTY === true, opts.plain);
  const published = new Map<string, number>();
  if (!opts.dev) {
    for (const batch of sampleMessages(stack.functions.map((f) => f.definition.name))) {
      await stack.nsqd.http.publishMany(batch.topic, batch.bodies);
      published.set(batch.topic, (published.get(batch.topic) ?? 0) + batch.bodies.length);
    }
    out.write(
      `published ${[...published].map(([topic, n]) => `${n} to ${topic}`).join(', ')}\n${
        mode === 'table' ? '' : 'progress lines follow when what they show changes\n'
      }`,
    );
  }

  const printer = new ProgressPrinter(out, mode);
  const tracker = new ProgressTracker();
  const totalPublished = [...published.values()].reduce((a, b) => a + b, 0);
  let announcedDone = false;
  const leakWarningsSeen = new Map<string, number>();
  const tick = async () => {
    if (interrupted || !stack) return;
    try {
      const text = await (await fetch(`${stack.bridge.httpUrl}/metrics`)).text();
      const rows = tracker.fromMetrics(text, stack.subscriptions, performance.now());
      printer.print(rows);
      // Surface the local Lambda's leak warnings here too, not only in its log.
      for (const [name, fn] of Object.entries(stack.lambda.stats())) {
        const seen = leakWarningsSeen.get(name) ?? 0;
        if (fn.leakWarnings > seen) {
          leakWarningsSeen.set(name, fn.leakWarnings);
          printer.detach();
          out.write(
            `WARNING ${name}: a worker's RSS keeps growing across invocations (possible leak in module scope); see ${stack.logFiles.lambda}\n`,
          );
        }
      }
      const answered = rows.reduce((n, r) => n + r.finished + r.deadLettered, 0);
      if (!opts.dev && !announcedDone && answered >= totalPublished) {
        announcedDone = true;
        printer.detach();
        out.write(
          `all ${totalPublished} sample messages processed (finished or dead-lettered). Ctrl-C to stop, or keep publishing.\n`,
        );
      }
    } catch {
      if (!stack.bridge.running) {
        process.stderr.write(`the bridge exited; see ${stack.logFiles.bridge}\n`);
        onSignal('SIGTERM');
      } else printer.detach();
    }
  };
  const timer = setInterval(() => void tick(), Math.max(100, opts.refreshMs));
  timer.unref();
  await tick();
  // Keep the process alive until a signal.
  setInterval(() => {}, 1 << 30);
}

main().catch(async (err: unknown) => {
  process.stderr.write(
    `nsq-lambda up: ${err instanceof StackError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  await stopAllProcesses();
  process.exit(1);
});
