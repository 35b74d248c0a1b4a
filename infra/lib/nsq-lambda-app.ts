/**
 * Builds the CDK app: settings from context, functions from the registry, nag checks on. Shared by
 * infra/bin/app.ts (what `cdk synth` runs) and the tests, so the tests prove what deploys.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { LoadedFunction } from '#shared/functions/loader';
import { readDeploySettings } from './deploy-settings.ts';
import { NsqLambdaStack } from './nsq-lambda-stack.ts';

export interface NsqLambdaAppOptions {
  readonly functions: readonly LoadedFunction[];
  readonly appProps?: AppProps;
  /** @default - built from bridge/Dockerfile */
  readonly bridgeImage?: ecs.ContainerImage;
}

export function createNsqLambdaApp(options: NsqLambdaAppOptions): { app: App; stack: NsqLambdaStack } {
  const app = new App(options.appProps);
  const settings = readDeploySettings(app.node);
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  if (settings.vpcId && (!account || !region)) {
    throw new Error(
      `nsqLambda.vpcId ${JSON.stringify(settings.vpcId)} needs an account and region to look the VPC up; ` +
        'run with AWS credentials (cdk sets CDK_DEFAULT_ACCOUNT/REGION) or leave vpcId unset for a new VPC',
    );
  }
  const stack = new NsqLambdaStack(app, settings.stackName, {
    functions: options.functions,
    settings,
    ...(options.bridgeImage && { bridgeImage: options.bridgeImage }),
    // Environment-agnostic unless the CLI knows the account (then VPC lookups and exact AZs work).
    ...(account && region && { env: { account, region } }),
    description: 'nsq-lambda: NSQ bridge on Fargate invoking Lambda functions per batch',
  });
  if (settings.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
