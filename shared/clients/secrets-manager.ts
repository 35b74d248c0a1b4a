/**
 * Reads a Secrets Manager secret's text by ARN, with the project's expensive-call client settings. One
 * client per process, created on first use. Used for the handler kit's Upstash credentials and the
 * bridge's HTTP signing secrets; callers never put the value in an error or a log line.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { expensiveCallClientConfig } from './aws-client-config.ts';

/** Reads a secret's text by ARN; replaceable in tests. */
export type SecretReader = (secretArn: string) => Promise<string>;

let secretsClient: SecretsManagerClient | undefined;

export const readSecretFromSecretsManager: SecretReader = async (secretArn) => {
  // Two attempts: this runs once per execution environment (or bridge start), where one retry is cheap.
  secretsClient ??= new SecretsManagerClient(
    expensiveCallClientConfig({ maxAttempts: 2, connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000 }),
  );
  const out = await secretsClient.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (out.SecretString === undefined) throw new Error(`secret ${secretArn} has no SecretString`);
  return out.SecretString;
};
