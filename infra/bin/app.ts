/** `cdk synth` / `cdk deploy` entry (cdk.json "app"): every Lambda function under functions/ is deployed
 * (edge functions are deployed to their edge platform: docs/edge.md). */

import { createNsqLambdaApp } from '#infra/lib/nsq-lambda-app';
import { functionsFor, loadFunctions } from '#shared/functions/loader';

const { app } = createNsqLambdaApp({ functions: functionsFor(await loadFunctions(), 'lambda') });
app.synth();
