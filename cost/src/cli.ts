#!/usr/bin/env node
/**
 * @module cli
 * `npm run cost -- [flags]`: prints the monthly bill of model calls for the three architectures.
 * A bad argument prints one line on stderr and exits 2; a bad price file exits 1.
 */
import { helpText, parseCli, UsageError } from "./inputs";
import { gpuTypes, loadPriceFile, PriceFileError } from "./prices";
import { buildReport, formatTable } from "./report";

export function main(argv: string[]): number {
  try {
    const parsed = parseCli(argv);
    if (parsed.help) {
      process.stdout.write(`${helpText()}\n`);
      return 0;
    }
    const prices = loadPriceFile(parsed.pricesPath);
    const known = gpuTypes(prices);
    if (!known.includes(parsed.gpuType)) throw new UsageError(`--gpu-type must be one of ${known.join(", ")}, got "${parsed.gpuType}"`);
    const report = buildReport(parsed, prices);
    for (const w of parsed.warnings) process.stderr.write(`cost: warning: ${w}\n`);
    process.stdout.write(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatTable(report)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`cost: ${err.message}\nRun with --help to see every flag.\n`);
      return 2;
    }
    if (err instanceof PriceFileError) {
      process.stderr.write(`cost: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
