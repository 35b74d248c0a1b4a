/**
 * Asks the operator to type `yes` on a terminal. Off a terminal there is no one to ask: refuse.
 */
import { createInterface } from 'node:readline';
import { needsDecision } from '../errors.ts';
import type { CliIo } from './io.ts';

export async function confirm(io: CliIo, question: string, refusal: string): Promise<boolean> {
  if (!io.stdin.isTTY) throw needsDecision(refusal);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    io.stderr.write(`${question} Type yes to continue: `);
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}
