/** Waits 50 ms, then reports every message succeeded. */
export const handler = async (): Promise<{ batchItemFailures: [] }> => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { batchItemFailures: [] };
};
