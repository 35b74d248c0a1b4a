/**
 * Runs parsed REST commands on redis-server over RESP2 and answers in Upstash's envelopes:
 * one command, a /pipeline (per-command result or error, the rest still run) and a /multi-exec
 * (MULTI…EXEC on its own connection; discarded as a whole when a command is refused or queued badly).
 * Commands Upstash does not have get Upstash's error (command-policy.ts), never Redis's answer.
 */
import type { Redis } from 'ioredis';
import { upstashErrorText, upstashRefusal } from './command-policy.ts';
import { encodeReply, type UpstashValue } from './encoding.ts';
import { isReplyError, type Resp2Reply } from './resp2.ts';
import type { ScriptShaMap } from './scripts.ts';

export type Command = [name: string, ...args: string[]];
export type Envelope = { result: UpstashValue } | { error: string };

/** Applies the script-flag rewrite and the EVALSHA hash translation. */
function adaptScripts(command: Command, shas: ScriptShaMap): Command {
  const [name, ...args] = command;
  const first = args[0];
  if (first === undefined) return command;
  if (name === 'EVAL' || name === 'EVAL_RO') {
    return [name, shas.prepare(first).script, ...args.slice(1)];
  }
  if (name === 'EVALSHA' || name === 'EVALSHA_RO') return [name, shas.translate(first), ...args.slice(1)];
  if (name === 'SCRIPT') {
    const sub = first.toUpperCase();
    if (sub === 'LOAD' && args[1] !== undefined) return [name, first, shas.prepare(args[1]).script];
    if (sub === 'EXISTS') return [name, first, ...args.slice(1).map((s) => shas.translate(s))];
  }
  return command;
}

function errorEnvelope(err: Error): { error: string } {
  return { error: upstashErrorText(err.message) };
}

export class CommandRunner {
  constructor(
    private readonly redis: Redis,
    private readonly shas: ScriptShaMap,
  ) {}

  /** One command: 200 with its result, 400 with its error (Upstash's status codes). */
  async one(command: Command, base64: boolean): Promise<{ status: number; body: Envelope }> {
    const refusal = upstashRefusal(command);
    if (refusal) return { status: 400, body: { error: refusal.message } };
    const [name, ...args] = adaptScripts(command, this.shas);
    try {
      const reply = (await this.redis.callBuffer(name, ...args)) as Resp2Reply;
      return { status: 200, body: { result: encodeReply(reply, base64) } };
    } catch (err) {
      if (isReplyError(err)) return { status: 400, body: errorEnvelope(err) };
      throw err;
    }
  }

  /** A pipeline: every command answers for itself; refused ones with Upstash's error. */
  async pipeline(commands: Command[], base64: boolean): Promise<Envelope[]> {
    const answers: (Envelope | undefined)[] = commands.map((c) => {
      const refusal = upstashRefusal(c);
      return refusal ? { error: refusal.message } : undefined;
    });
    const batch = this.redis.pipeline();
    for (const [i, command] of commands.entries()) {
      if (answers[i] === undefined) batch.callBuffer(...adaptScripts(command, this.shas));
    }
    const results = batch.length > 0 ? ((await batch.exec()) ?? []) : [];
    let next = 0;
    return answers.map((answer) => answer ?? this.envelope(results[next++], base64));
  }

  /** A transaction: per-command envelopes, or one error (400) when it is discarded as a whole. */
  async multiExec(
    commands: Command[],
    base64: boolean,
  ): Promise<{ status: number; body: Envelope[] | { error: string } }> {
    const refused = commands.map(upstashRefusal).find((r) => r !== undefined);
    if (refused) return { status: 400, body: { error: refused.message } };
    const batch = this.redis.multi();
    for (const command of commands) batch.callBuffer(...adaptScripts(command, this.shas));
    let results: [Error | null, unknown][] | null;
    try {
      results = await batch.exec();
    } catch (err) {
      // EXECABORT: a command was refused while queued (unknown, wrong arity), so nothing ran.
      if (isReplyError(err)) return { status: 400, body: errorEnvelope(err) };
      throw err;
    }
    if (results === null) return { status: 400, body: { error: 'ERR transaction discarded' } };
    return { status: 200, body: results.map((r) => this.envelope(r, base64)) };
  }

  private envelope(entry: [Error | null, unknown] | undefined, base64: boolean): Envelope {
    if (entry === undefined) throw new Error('local Upstash endpoint: a pipeline reply is missing');
    const [err, reply] = entry;
    // Connection failures are the endpoint's failure (500), not Redis's answer.
    if (err && !isReplyError(err)) throw err;
    return err ? errorEnvelope(err) : { result: encodeReply(reply as Resp2Reply, base64) };
  }
}
