/**
 * `npm run bench:costs`: writes docs/COSTS.md from a saved benchmark run (docs/benchmarks/results.json
 * by default) and the prices in bench/prices.ts. No measuring; see bench/costs-report.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '#dev/services/binaries';
import { DEPLOYMENT, type PricedFigures, renderCostsReport } from './costs-report.ts';
import { PRICES } from './prices.ts';
import type { BenchRun } from './results.ts';
import type { SoakRun } from './soak-report.ts';

const program = new Command('bench:costs')
  .description('Write docs/COSTS.md from the benchmark results and the published prices')
  .option('--results <file>', 'a saved run', 'docs/benchmarks/results.json')
  .option(
    '--soak <file>',
    'a saved soak, for the size it measured (used when it exists)',
    'docs/benchmarks/soak.json',
  )
  .option('--out <file>', 'where the report goes', 'docs/COSTS.md')
  .parse();
const { results, soak, out } = program.opts<{ results: string; soak: string; out: string }>();
const run = JSON.parse(readFileSync(resolve(projectRoot, results), 'utf8')) as BenchRun;
const soakPath = resolve(projectRoot, soak);
const soakRun = existsSync(soakPath) ? (JSON.parse(readFileSync(soakPath, 'utf8')) as SoakRun) : undefined;
const extra: PricedFigures[] =
  soakRun?.figures && !soakRun.cutShort
    ? [
        {
          ...soakRun.figures,
          source: `measured by \`${soakRun.command}\` on ${soakRun.startedAt.slice(0, 10)} (${soakRun.accounting.published.toLocaleString('en-US')} messages, 5 ms function)`,
        },
      ]
    : [];
const outPath = resolve(projectRoot, out);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, renderCostsReport(run, PRICES, DEPLOYMENT, extra));
process.stderr.write(
  `wrote ${relative(projectRoot, outPath)} from ${results}${extra.length > 0 ? ` and ${soak}` : ''}\n`,
);
