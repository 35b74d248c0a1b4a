/** `cdk synth` / `cdk deploy` entry (cdk.json "app"): every function under functions/ is deployed. */

import { createNsqLambdaApp } from '#infra/lib/nsq-lambda-app';
import { loadFunctions } from '#shared/functions/loader';

const { app } = createNsqLambdaApp({ functions: await loadFunctions() });
app.synth();
