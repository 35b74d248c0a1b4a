/** An environment variable a benchmark consumer cannot run without: exits 2 naming it when unset. */
export function requiredEnv(consumer: string, name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${consumer}: set ${name}`);
    process.exit(2);
  }
  return value;
}
