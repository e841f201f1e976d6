/**
 * @module breakeven
 * Break-even points: the monthly call volume at which one choice starts to cost as much as another, with
 * every other input held as given. Found by a log-spaced scan from 1 call a month up to 10^10 and an
 * integer bisection inside the first bracket where the condition turns true.
 */
import { type ArchId, computeBill, type ModelInputs, sumLines } from "./model";
import type { Rates } from "./prices";

export const SEARCH_MAX_CALLS = 1e10;

const usd = (n: number): string => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const STEPS_PER_DECADE = 20;

/**
 * The smallest whole number of calls in [from, max] at which `holds` is true, or null if it never is there.
 * Assumes `holds` changes at most once inside each scan step (true for the step-wise and monotone costs here).
 */
export function firstVolume(holds: (calls: number) => boolean, from = 1, max = SEARCH_MAX_CALLS): number | null {
  if (holds(from)) return from;
  let lo = from;
  const steps = Math.ceil(Math.log10(max) * STEPS_PER_DECADE);
  for (let k = Math.floor(Math.log10(from) * STEPS_PER_DECADE) + 1; k <= steps; k++) {
    const hi = Math.min(max, Math.round(10 ** (k / STEPS_PER_DECADE)));
    if (hi <= lo) continue;
    if (holds(hi)) {
      let a = lo;
      let b = hi;
      while (b - a > 1) {
        const mid = Math.floor((a + b) / 2);
        if (holds(mid)) b = mid;
        else a = mid;
      }
      return b;
    }
    lo = hi;
  }
  return null;
}

export interface BreakEven {
  id: "alwaysOn" | "hopShare" | "bCheaperThanA" | "cCheaperThanA";
  question: string;
  calls: number | null;
  callsPerUser: number | null;
  callsPerHour: number | null;
  /** For "X costs less than A": the volume from which it no longer does (null: not below 10^10). */
  until?: number | null;
  detail: string;
}

function describe(inp: ModelInputs, calls: number | null): Pick<BreakEven, "calls" | "callsPerUser" | "callsPerHour"> {
  if (calls === null) return { calls: null, callsPerUser: null, callsPerHour: null };
  return {
    calls,
    callsPerUser: inp.mau > 0 ? calls / inp.mau : null,
    callsPerHour: calls / (inp.days * 24),
  };
}

/** GPU lines of architecture A at a volume, with a given number of min instances. */
export function gpuCost(inp: ModelInputs, rates: Rates, calls: number, minInstances: number): number {
  return sumLines(computeBill("A", { ...inp, minInstances }, rates, calls), "gpu.");
}

/** Volume at which one always-on GPU instance (min instances 1) costs no more than scale-to-zero with its idle tails. */
export function alwaysOnBreakEven(inp: ModelInputs, rates: Rates): BreakEven {
  const calls = firstVolume((c) => gpuCost(inp, rates, c, 0) >= gpuCost(inp, rates, c, 1) * (1 - 1e-9));
  const alwaysOn = gpuCost(inp, rates, calls ?? 1, 1);
  return {
    id: "alwaysOn",
    question: "calls/month at which min instances 1 costs no more than scale to zero (GPU lines)",
    ...describe(inp, calls),
    detail:
      calls === null
        ? "scale to zero stays cheaper up to 10^10 calls/month"
        : `from here the idle tails cover the whole month: one always-on instance costs ${usd(alwaysOn)}/month and also removes cold starts`,
  };
}

/** Volume at which A's function hop costs `pct` % of A's GPU lines. */
export function hopShareBreakEven(inp: ModelInputs, rates: Rates, pct: number): BreakEven {
  const share = (c: number) => {
    const bill = computeBill("A", inp, rates, c);
    return { fn: sumLines(bill, "fn."), gpu: sumLines(bill, "gpu.") };
  };
  const calls = firstVolume((c) => {
    const { fn, gpu } = share(c);
    return fn > 0 && fn >= (pct / 100) * gpu;
  });
  let detail = `the function hop stays under ${pct}% of the GPU bill up to 10^10 calls/month`;
  if (calls !== null) {
    const { fn, gpu } = share(calls);
    detail = `function ${usd(fn)} vs GPU ${usd(gpu)} at that volume`;
  }
  return { id: "hopShare", question: `calls/month at which A's function hop costs ${pct}% of its GPU`, ...describe(inp, calls), detail };
}

/** Volume (from 1 call a month up) at which architecture `other` first costs less than A, and until when. */
export function cheaperThanABreakEven(inp: ModelInputs, rates: Rates, other: Exclude<ArchId, "A">): BreakEven {
  const gap = (c: number) => computeBill("A", inp, rates, c).total - computeBill(other, inp, rates, c).total;
  const cheaper = (c: number) => gap(c) > 0.005;
  const calls = firstVolume(cheaper);
  const until = calls === null ? null : firstVolume((c) => !cheaper(c), calls);
  let detail = `${other} never costs less than A up to 10^10 calls/month`;
  if (calls !== null) {
    detail = `A - ${other} = ${usd(gap(calls))} there; ${
      until === null ? "and up to 10^10 calls/month" : `A is cheaper again from ${until.toLocaleString("en-US")} calls/month`
    }`;
  }
  return {
    id: other === "B" ? "bCheaperThanA" : "cCheaperThanA",
    question: `calls/month at which ${other} first costs less than A`,
    ...describe(inp, calls),
    until,
    detail,
  };
}

export function allBreakEvens(inp: ModelInputs, rates: Rates, hopSharePct: number): BreakEven[] {
  return [
    alwaysOnBreakEven(inp, rates),
    hopShareBreakEven(inp, rates, hopSharePct),
    cheaperThanABreakEven(inp, rates, "B"),
    cheaperThanABreakEven(inp, rates, "C"),
  ];
}
