/**
 * The house Lambda: one per function definition. It locks the defaults every handler gets (esbuild
 * bundling, Node.js 24 on ARM64, an explicit log group with retention, source maps) and takes timeout,
 * memory and reserved concurrency from the definition, so the definition stays the single source.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { FunctionDefinition } from '#shared/functions/definition';
import type { LoadedFunction } from '#shared/functions/loader';
import { functionBundling, functionRuntime } from './function-bundling.ts';
import { acknowledgeNag, nagArnRef } from './nag.ts';
import { depsLockFilePath, repoRoot } from './paths.ts';

/** Environment names the construct sets itself; a definition may not override them. */
export const RESERVED_ENVIRONMENT_KEYS = [
  'DATA_BUCKET',
  'UPSTASH_SECRET_ARN',
  'NSQ_LAMBDA_FUNCTION',
  'NODE_OPTIONS',
] as const;

/** Props the house locks are left out of the type, so they cannot be overridden by accident. */
export interface NsqLambdaFunctionProps
  extends Omit<
    NodejsFunctionProps,
    | 'runtime'
    | 'architecture'
    | 'bundling'
    | 'entry'
    | 'handler'
    | 'timeout'
    | 'memorySize'
    | 'reservedConcurrentExecutions'
    | 'logGroup'
    | 'logRetention'
    | 'role'
    | 'depsLockFilePath'
    | 'projectRoot'
    | 'environment'
    | 'description'
  > {
  /** The function as found by `loadFunctions()`: its definition and handler file. */
  readonly loaded: LoadedFunction;
  /**
   * Plain (non-secret) environment for this deployment, merged over the definition's `environment`
   * (e.g. an endpoint that differs per account). Secrets belong in Secrets Manager.
   * @default - only the definition's environment
   */
  readonly deploymentEnvironment?: Readonly<Record<string, string>>;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY - logs go with the stack; set RETAIN to keep them
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** What a function's `grants` ask for, provided by the stack. */
export interface NsqLambdaFunctionResources {
  /** The project's data bucket; required when any definition grants `dataBucket` access. */
  readonly dataBucket?: s3.IBucket;
  /** The Upstash REST URL and token secret (JSON keys `url`, `token`); required when a definition grants `upstash`. */
  readonly upstashSecret?: secretsmanager.ISecret;
}

export class NsqLambdaFunction extends NodejsFunction {
  /** The definition this function was built from. */
  public readonly definition: FunctionDefinition;

  constructor(scope: Construct, id: string, props: NsqLambdaFunctionProps) {
    const { loaded, logRetention, logRemovalPolicy, deploymentEnvironment, ...rest } = props;
    const { definition } = loaded;
    const environment = { ...definition.environment, ...deploymentEnvironment };
    const reserved = Object.keys(environment).filter((k) =>
      (RESERVED_ENVIRONMENT_KEYS as readonly string[]).includes(k),
    );
    if (reserved.length > 0) {
      throw new Error(
        `function ${JSON.stringify(definition.name)}: environment sets reserved key(s) ${JSON.stringify(reserved)}; ` +
          `these are set by NsqLambdaFunction (${RESERVED_ENVIRONMENT_KEYS.join(', ')})`,
      );
    }
    const awsKeys = Object.keys(environment).filter((k) => k.startsWith('AWS_'));
    if (awsKeys.length > 0) {
      throw new Error(
        `function ${JSON.stringify(definition.name)}: environment sets ${JSON.stringify(awsKeys)}; Lambda reserves AWS_* names`,
      );
    }

    // The log group is created here (not by Lambda on first write) so its retention is managed and it
    // is deleted with the stack. The role gets write access to this log group only, instead of the
    // AWSLambdaBasicExecutionRole managed policy (which allows every log group in the account).
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${definition.name} function`,
    });

    super(scope, id, {
      ...rest,
      entry: loaded.entryPath,
      handler: definition.handlerExport,
      projectRoot: repoRoot,
      depsLockFilePath,
      runtime: functionRuntime(),
      architecture: lambda.Architecture.ARM_64,
      bundling: functionBundling(definition),
      timeout: Duration.seconds(definition.timeoutSec),
      memorySize: definition.memoryMb,
      ...(definition.reservedConcurrency !== undefined && {
        reservedConcurrentExecutions: definition.reservedConcurrency,
      }),
      description: definition.description || `nsq-lambda function ${definition.name}`,
      logGroup,
      role,
      environment: {
        ...environment,
        NSQ_LAMBDA_FUNCTION: definition.name,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    logGroup.grantWrite(role);
    this.definition = definition;
    acknowledgeNag(
      this,
      ['L1'],
      `Pinned to ${functionRuntime().name} on purpose: the local Lambda server, the bridge image and CI run ` +
        'Node 24, so what is tested is what runs. The runtime follows lambdaRuntime in shared/functions/bundling.ts.',
    );
  }

  /**
   * Grants exactly what the definition's `grants` ask for, and nothing else: data bucket read and/or
   * write (env DATA_BUCKET) and read of the Upstash secret (env UPSTASH_SECRET_ARN; the function reads
   * the value at runtime, it never appears in the template or the environment).
   */
  public bindResources(resources: NsqLambdaFunctionResources): void {
    const { grants, name } = this.definition;
    if (grants.dataBucket !== 'none') {
      const bucket = resources.dataBucket;
      if (!bucket) {
        throw new Error(
          `function ${JSON.stringify(name)} grants dataBucket ${JSON.stringify(grants.dataBucket)} but no data bucket was provided`,
        );
      }
      if (grants.dataBucket === 'read') bucket.grantRead(this);
      if (grants.dataBucket === 'write') bucket.grantPut(this);
      if (grants.dataBucket === 'readWrite') bucket.grantReadWrite(this);
      this.addEnvironment('DATA_BUCKET', bucket.bucketName);
      const actions = {
        read: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
        write: ['s3:Abort*'],
        readWrite: ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'],
      }[grants.dataBucket];
      if (this.role) {
        acknowledgeNag(
          this.role,
          [
            `IAM5[Resource::${nagArnRef(this, bucket.bucketArn)}/*]`,
            ...actions.map((a) => `IAM5[Action::${a}]`),
          ],
          `The definition of ${name} grants dataBucket ${JSON.stringify(grants.dataBucket)}: the function owns the ` +
            "keys of the project's data bucket, whose names it chooses at runtime; the action wildcards are the " +
            "bucket grant's own (object versions, tags, multipart) on that one bucket.",
        );
      }
    }
    if (grants.upstash) {
      const secret = resources.upstashSecret;
      if (!secret) {
        throw new Error(`function ${JSON.stringify(name)} grants upstash but no Upstash secret was provided`);
      }
      secret.grantRead(this);
      this.addEnvironment('UPSTASH_SECRET_ARN', secret.secretArn);
    }
  }
}
