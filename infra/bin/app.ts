/** `cdk synth` / `cdk deploy` entry (cdk.json "app"): every function under functions/ is deployed: Lambda
 * functions as Lambdas; edge functions (target 'edge') only as HTTP targets named in nsqLambda.httpTargets. */

import { createNsqLambdaApp } from '#infra/lib/nsq-lambda-app';
import { loadFunctions } from '#shared/functions/loader';

const { app } = createNsqLambdaApp({ functions: await loadFunctions() });
app.synth();
