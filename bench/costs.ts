/**
 * `npm run bench:costs`: writes docs/COSTS.md from a saved benchmark run (docs/benchmarks/results.json
 * by default) and the prices in bench/prices.ts. No measuring; see bench/costs-report.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '#dev/services/binaries';
import { renderCostsReport } from './costs-report.ts';
import { PRICES } from './prices.ts';
import type { BenchRun } from './results.ts';

const program = new Command('bench:costs')
  .description('Write docs/COSTS.md from the benchmark results and the published prices')
  .option('--results <file>', 'a saved run', 'docs/benchmarks/results.json')
  .option('--out <file>', 'where the report goes', 'docs/COSTS.md')
  .parse();
const { results, out } = program.opts<{ results: string; out: string }>();
const run = JSON.parse(readFileSync(resolve(projectRoot, results), 'utf8')) as BenchRun;
const outPath = resolve(projectRoot, out);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, renderCostsReport(run, PRICES));
process.stderr.write(`wrote ${relative(projectRoot, outPath)} from ${results}\n`);
