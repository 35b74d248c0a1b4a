/** Every error infra/ (the CDK app) throws on purpose, in one place. */

/** The deployment settings (cdk.json `nsqLambda`, `-c nsqLambda.<key>=`) are invalid; lists every problem. */
export class DeploySettingsError extends Error {
  override readonly name = 'DeploySettingsError';
  constructor(
    message: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
