/** Every message succeeded: the SQS-style partial batch response with no failures. */
export const handler = async (): Promise<{ batchItemFailures: [] }> => ({ batchItemFailures: [] });
