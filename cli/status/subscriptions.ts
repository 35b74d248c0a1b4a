/**
 * Which subscriptions `status` shows: those the function definitions declare (named as the bridge
 * names them), or those of a bridge config file.
 */
import { readFileSync } from 'node:fs';
import { bridgeConfigFromDefinitions, parseBridgeConfig } from '#shared/config/bridge-config';
import type { LoadedFunction } from '#shared/functions/loader';
import { badInput, errorChain } from '../lib/errors.ts';

export interface WatchedSubscription {
  /** The bridge's subscription name (its metrics label). */
  readonly name: string;
  /** The toggle name (the function's definition name). */
  readonly toggleName: string;
  readonly topic: string;
  /** As nsqd knows it: with `#ephemeral` for an ephemeral channel. */
  readonly channel: string;
}

function nsqChannel(channel: string, ephemeral: boolean | undefined): string {
  return ephemeral && !channel.endsWith('#ephemeral') ? `${channel}#ephemeral` : channel;
}

export function subscriptionsFromDefinitions(functions: readonly LoadedFunction[]): WatchedSubscription[] {
  const config = bridgeConfigFromDefinitions(functions, { deadLetter: { kind: 's3', bucket: 'unused' } });
  return config.subscriptions.map((s) => ({
    name: s.name,
    toggleName: s.toggleName ?? s.functionName ?? s.name,
    topic: s.topic,
    channel: nsqChannel(s.channel, s.ephemeral),
  }));
}

/** Reads the subscriptions of a bridge config file (the JSON of NSQ_LAMBDA_CONFIG_FILE). */
export function subscriptionsFromBridgeConfig(path: string, shown = path): WatchedSubscription[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw badInput(`--bridge-config ${shown}: ${errorChain(err)}`, err);
  }
  let config: ReturnType<typeof parseBridgeConfig>;
  try {
    config = parseBridgeConfig(raw);
  } catch (err) {
    throw badInput(
      `--bridge-config ${shown} is not a valid bridge config: ${errorChain(err).replace(/\s*\n\s*/g, '; ')}`,
      err,
    );
  }
  return config.subscriptions.map((s) => ({
    name: s.name,
    toggleName: s.toggleName ?? s.functionName ?? s.name,
    topic: s.topic,
    channel: nsqChannel(s.channel, s.ephemeral),
  }));
}
