/** `cdk synth` / `cdk deploy` entry (cdk.json "app"): every function under functions/ is deployed. */
import { loadFunctions } from '#functions/registry';
import { createNsqLambdaApp } from '#infra/lib/nsq-lambda-app';

const { app } = createNsqLambdaApp({ functions: await loadFunctions() });
app.synth();
