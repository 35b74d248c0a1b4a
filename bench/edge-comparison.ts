/**
 * The bridge at batch 100 into workerd, side by side with the same bridge into the Invoke responder: both
 * targets answer "every message succeeded" at once, so the difference is the invoker (the Lambda Invoke
 * API through the AWS SDK, SigV4 signed, against the HTTP invoker: undici, HMAC-signed, workerd's reply
 * classified). Pure: figures from a run, Markdown lines for the report.
 */
import { type BenchRun, summarize } from './results.ts';
import { formatNumber, formatSpread } from './stats.ts';

export const EDGE_ROW_ID = 'bridge-b100-workerd';
export const RESPONDER_ROW_ID = 'bridge-b100-responder';

export interface EdgeComparison {
  readonly workloadId: string;
  readonly workloadLabel: string;
  readonly responderMsgsPerSec: number | undefined;
  readonly workerdMsgsPerSec: number | undefined;
  /** workerd's median over the responder's; undefined unless both ran. */
  readonly ratio: number | undefined;
  readonly responderCpuPer100k: number | undefined;
  readonly workerdCpuPer100k: number | undefined;
}

/** One entry per workload on which the workerd row ran. */
export function edgeComparisons(run: BenchRun): EdgeComparison[] {
  return run.workloads.flatMap((w) => {
    const edge = summarize(run.throughput, EDGE_ROW_ID, w.id);
    if (edge.runs === 0) return [];
    const responder = summarize(run.throughput, RESPONDER_ROW_ID, w.id);
    const workerdMsgsPerSec = edge.msgsPerSec?.median;
    const responderMsgsPerSec = responder.msgsPerSec?.median;
    return [
      {
        workloadId: w.id,
        workloadLabel: w.label,
        responderMsgsPerSec,
        workerdMsgsPerSec,
        ratio:
          workerdMsgsPerSec !== undefined && responderMsgsPerSec
            ? workerdMsgsPerSec / responderMsgsPerSec
            : undefined,
        responderCpuPer100k: responder.cpuSecondsPer100k?.median,
        workerdCpuPer100k: edge.cpuSecondsPer100k?.median,
      },
    ];
  });
}

/** The report's section (empty when the workerd row did not run). */
export function edgeComparisonSection(run: BenchRun): string[] {
  const comparisons = edgeComparisons(run);
  if (comparisons.length === 0) return [];
  const rows = comparisons.map((c) => {
    const edge = summarize(run.throughput, EDGE_ROW_ID, c.workloadId);
    const responder = summarize(run.throughput, RESPONDER_ROW_ID, c.workloadId);
    return `| ${c.workloadLabel} | ${formatSpread(responder.msgsPerSec)} | ${formatSpread(edge.msgsPerSec)} | ${c.ratio === undefined ? '–' : `${c.ratio.toFixed(2)}×`} | ${formatNumber(c.responderCpuPer100k)} | ${formatNumber(c.workerdCpuPer100k)} |`;
  });
  return [
    '### The bridge into workerd, beside the responder (batch 100)',
    '',
    'The same bridge at batch 100, into two targets that answer "every message succeeded" at once: the',
    'Invoke responder (the Lambda Invoke API: AWS SDK, SigV4) and `bench/functions/edge-responder` on',
    'workerd behind the HTTP invoker (undici keep-alive pool, every request HMAC-signed; the function does',
    'not verify the signature or parse the batch). workerd is a separate process on the same cores; its',
    "CPU is not the consumer's.",
    '',
    '| workload | → responder msgs/s | → workerd msgs/s | workerd / responder | responder: consumer CPU s per 100k | workerd: consumer CPU s per 100k |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}
