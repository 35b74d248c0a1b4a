// Prints the aws-lambda-ric version of the deployed Lambda runtime, for dev/build-ric.sh.
import { runtimeClient } from '#shared/functions/runtime-client';

process.stdout.write(`${runtimeClient().ricVersion}\n`);
