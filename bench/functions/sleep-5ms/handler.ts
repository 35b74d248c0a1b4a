/** Waits 5 ms, then reports every message succeeded. */
export const handler = async (): Promise<{ batchItemFailures: [] }> => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { batchItemFailures: [] };
};
