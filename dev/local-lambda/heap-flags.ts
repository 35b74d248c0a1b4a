/**
 * The V8 heap flags Lambda's Node.js bootstrap derives from the memory size: a tenth for the young generation
 * (two semi-spaces), the rest for the old one. Since Node 24 the young generation's default is large enough
 * (up to 3 × 64 MiB) that capping only the old space would let the heap grow well past memoryMb.
 */
export function heapFlags(memoryMb: number): string[] {
  const newSpaceMb = Math.floor(memoryMb / 10);
  return [
    `--max-semi-space-size=${Math.floor(newSpaceMb / 2)}`,
    `--max-old-space-size=${memoryMb - newSpaceMb}`,
  ];
}
