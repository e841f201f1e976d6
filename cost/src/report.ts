/**
 * @module report
 * Puts the bills, the break-even points and the "function pricing doubles" scenario together, and prints
 * them as a table or as JSON. All arithmetic is in `model` and `breakeven`; this module only assembles.
 */
import { allBreakEvens, type BreakEven } from "./breakeven";
import type { Resolved, Source } from "./inputs";
import { ARCHS, type ArchId, type Bill, computeBill, dominant, LINE_LABELS, type Line } from "./model";
import { oldestRead, type PriceFile, type Rates, scaleFunctionPrices, toRates } from "./prices";

export interface ArchReport {
  title: string;
  lines: Line[];
  total: number;
  dominant: ReturnType<typeof dominant>;
  ifFunctionPricingDoubles: { total: number; delta: number; pct: number };
}

export interface Report {
  calls: number;
  mau: number;
  days: number;
  prices: { file: string; oldestRead: string; status: string };
  architectures: Record<ArchId, ArchReport>;
  cheapest: ArchId;
  breakEven: BreakEven[];
  inputs: Record<string, Source>;
  notes: string[];
  warnings: string[];
}

export const FUNCTION_PRICE_FACTOR = 2;

export function buildReport(resolved: Resolved, priceFile: PriceFile): Report {
  const rates: Rates = toRates(priceFile, { gpuType: resolved.gpuType, gpuPricePerSecond: resolved.gpuPrice, freeTier: resolved.freeTier });
  const doubled = scaleFunctionPrices(rates, FUNCTION_PRICE_FACTOR);
  const inp = resolved.model;
  const bills = {} as Record<ArchId, Bill>;
  const architectures = {} as Record<ArchId, ArchReport>;
  const notes: string[] = [];
  for (const arch of ARCHS) {
    const bill = computeBill(arch, inp, rates);
    bills[arch] = bill;
    const after = computeBill(arch, inp, doubled).total;
    const delta = after - bill.total;
    architectures[arch] = {
      title: bill.title,
      lines: bill.lines,
      total: bill.total,
      dominant: dominant(bill),
      ifFunctionPricingDoubles: { total: after, delta, pct: bill.total > 0 ? delta / bill.total : 0 },
    };
    notes.push(...bill.notes);
  }
  const cheapest = [...ARCHS].sort((a, b) => bills[a].total - bills[b].total)[0] as ArchId;
  return {
    calls: bills.A.calls,
    mau: inp.mau,
    days: inp.days,
    prices: { file: resolved.pricesPath, oldestRead: oldestRead(priceFile), status: "check before relying on them" },
    architectures,
    cheapest,
    breakEven: allBreakEvens(inp, rates, resolved.hopShare),
    inputs: resolved.sources,
    notes,
    warnings: resolved.warnings,
  };
}

const usd = (n: number): string =>
  `${n < 0 ? "-" : ""}$${Math.abs(n).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const count = (n: number, digits = 0): string => n.toLocaleString("en-US", { maximumFractionDigits: digits });
/** A rate that may be well under 1 (calls per user or per hour at low volumes). */
const rate = (n: number): string => (n > 0 && n < 1 ? n.toPrecision(2) : count(n, 2));
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function usage(line: Line): string {
  if (line.unit === "instance-s") return `${count(line.usage / 3600, 1)} h`;
  if (line.unit === "GiB" || line.unit === "GiB-month") return `${count(line.usage, 2)} ${line.unit}`;
  return `${count(line.usage)} ${line.unit}`;
}

const SHORT: Record<ArchId, string> = { A: "A function", B: "B no hop", C: "C Supabase" };

export function formatTable(r: Report): string {
  const out: string[] = [];
  out.push(
    `Monthly cost of model calls: ${count(r.mau)} MAU, ${count(r.calls)} calls/month (${r.days}-day month, USD)`,
    `Prices: ${r.prices.file.replace(/^.*\/(cost\/prices\.json)$/, "$1")}, read ${r.prices.oldestRead} or later; ${r.prices.status}.`,
    "",
  );
  const ids = LINE_LABELS.map(([id]) => id).filter((id) => ARCHS.some((a) => r.architectures[a].lines.some((l) => l.id === id)));
  const w = { label: 42, usage: 20, col: 12 };
  const row = (label: string, use: string, cells: string[]) =>
    `${label.padEnd(w.label)} ${use.padStart(w.usage)} ${cells.map((c) => c.padStart(w.col)).join(" ")}`;
  out.push(row("line", "usage (A; B: GPU)", ARCHS.map((a) => SHORT[a])));
  out.push("-".repeat(w.label + w.usage + 3 * (w.col + 1) + 1));
  for (const id of ids) {
    const lineOf = (a: ArchId) => r.architectures[a].lines.find((l) => l.id === id);
    const shown = lineOf("A") ?? lineOf("C") ?? lineOf("B");
    let use = shown ? usage(shown) : "";
    const b = lineOf("B");
    if (id === "gpu.serving" && b && shown && b.usage !== shown.usage) use = `${usage(shown)}; B ${usage(b)}`;
    out.push(row(shown?.label ?? id, use, ARCHS.map((a) => {
      const l = lineOf(a);
      return l ? usd(l.cost) : "-";
    })));
  }
  out.push("-".repeat(w.label + w.usage + 3 * (w.col + 1) + 1));
  out.push(row("Total per month", "", ARCHS.map((a) => usd(r.architectures[a].total))));
  out.push(row("Per call", "", ARCHS.map((a) => (r.calls > 0 ? `$${(r.architectures[a].total / r.calls).toFixed(5)}` : "-"))));
  out.push(row(`If function prices x${FUNCTION_PRICE_FACTOR}`, "", ARCHS.map((a) => {
    const d = r.architectures[a].ifFunctionPricingDoubles;
    return `+${usd(d.delta)}`;
  })));
  out.push("");
  out.push(`Cheapest here: ${r.architectures[r.cheapest].title}`);
  out.push("What dominates:");
  for (const a of ARCHS) {
    const d = r.architectures[a].dominant;
    out.push(`  ${a}: ${d ? `${d.label}, ${usd(d.cost)} = ${pct(d.share)} of ${usd(r.architectures[a].total)}` : "nothing: all within free tiers"}`);
  }
  out.push(`If function pricing doubles (Cloud Functions prices for A, Supabase prices for C; free tiers kept):`);
  for (const a of ARCHS) {
    const d = r.architectures[a].ifFunctionPricingDoubles;
    out.push(`  ${a}: ${usd(r.architectures[a].total)} -> ${usd(d.total)}  (+${usd(d.delta)}, +${pct(d.pct)})`);
  }
  out.push("Break-even points (monthly call volume; all other inputs as above):");
  for (const be of r.breakEven) {
    const where =
      be.calls === null
        ? "none"
        : `${count(be.calls)} calls/month` +
          (be.callsPerUser !== null ? ` (${rate(be.callsPerUser)}/user, ` : " (") +
          `${rate(be.callsPerHour ?? 0)}/hour)`;
    out.push(`  ${be.question}: ${where}`, `      ${be.detail}`);
  }
  out.push("Inputs (value, where it came from):");
  for (const [name, s] of Object.entries(r.inputs)) {
    const value = typeof s.value === "number" ? count(s.value, 4) : String(s.value);
    out.push(`  --${name.padEnd(23)} ${value.padStart(10)}  ${s.source}`);
  }
  if (r.notes.length > 0) out.push("Notes:", ...r.notes.map((n) => `  ${n}`));
  return out.join("\n");
}
