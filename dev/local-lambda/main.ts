/**
 * Runs the local Lambda for developers:
 *
 *   node dev/node.mjs npx tsx dev/local-lambda/main.ts --port 9001
 *   aws lambda invoke --endpoint-url http://127.0.0.1:9001 --function-name template --payload '{}' out.json
 *
 * Ctrl-C stops the server and every worker.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { functionsDir, loadFunctions } from '#shared/functions/loader';
import { startLocalLambda } from './server.ts';

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    return n;
  };
}

const program = new Command('local-lambda')
  .description('Serve the Lambda Invoke API on 127.0.0.1 for the functions in a functions/ folder')
  .option('--port <port>', 'port to listen on (0 = any free port)', integer(0, 65_535), 9001)
  .option('--functions <dir>', 'folder with one sub-folder per function', functionsDir)
  .option('--only <names>', 'comma-separated function names to serve (default: all)')
  .option('--region <region>', 'region in ARNs and AWS_REGION', 'us-east-1')
  .option(
    '--unreserved-concurrency <n>',
    'concurrency limit for functions without reserved concurrency',
    integer(1, 1000),
    10,
  )
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<{
    port: number;
    functions: string;
    only?: string;
    region: string;
    unreservedConcurrency: number;
  }>();
  let functions = await loadFunctions(resolve(opts.functions));
  if (opts.only) {
    const wanted = opts.only.split(',').map((s) => s.trim());
    const unknown = wanted.filter((w) => !functions.some((f) => f.definition.name === w));
    if (unknown.length > 0)
      throw new Error(
        `unknown function(s) ${unknown.join(', ')}; known: ${functions.map((f) => f.definition.name).join(', ') || '(none)'}`,
      );
    functions = functions.filter((f) => wanted.includes(f.definition.name));
  }
  const lambda = await startLocalLambda({
    functions,
    port: opts.port,
    region: opts.region,
    unreservedConcurrency: opts.unreservedConcurrency,
  });
  process.stderr.write(
    [
      `local Lambda listening on ${lambda.endpoint} (stats: ${lambda.endpoint}/local/stats)`,
      `  functions: ${functions.map((f) => f.definition.name).join(', ') || '(none)'}`,
      `  try: aws lambda invoke --endpoint-url ${lambda.endpoint} --function-name ${functions[0]?.definition.name ?? '<name>'} --payload '{}' --cli-binary-format raw-in-base64-out out.json`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`${signal}: stopping the local Lambda...\n`);
    void lambda.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`local-lambda: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
