/**
 * @module model
 * The monthly bill, line by line, for three ways of putting a signed-in, metered door in front of a
 * Cloud Run GPU model: (A) this project's callable Cloud Function, (B) the model container verifying
 * Firebase ID tokens itself, (C) the same gateway on Supabase Edge Functions. Pure arithmetic on
 * `ModelInputs` and `Rates`; every assumption that is not an input is written next to the code that makes it.
 */
import type { Rates } from "./prices";

export type ArchId = "A" | "B" | "C";
export const ARCHS: readonly ArchId[] = ["A", "B", "C"];

export const ARCH_TITLES: Record<ArchId, string> = {
  A: "A: callable function -> Cloud Run GPU (this project)",
  B: "B: GPU container verifies ID tokens itself",
  C: "C: Supabase Edge Function -> Cloud Run GPU",
};

export interface ModelInputs {
  mau: number;
  callsPerUser: number;
  appReadsPerUser: number;
  appWritesPerUser: number;
  appKibPerUser: number;
  usageRecordKib: number;
  usageRetentionMonths: number;
  fnMemoryMib: number;
  fnVcpu: number;
  fnConcurrency: number;
  gatewayMs: number;
  fsReadsPerCall: number;
  fsWritesPerCall: number;
  gpuSecondsPerCall: number;
  modelLatencyMs: number;
  batchingGain: number;
  gpuVcpu: number;
  gpuMemoryGib: number;
  minInstances: number;
  /** Scale-to-zero episodes per month; undefined: estimated from the traffic (see `gpuTime`). */
  episodes: number | undefined;
  idleTailMin: number;
  activeHours: number;
  /** Extra seconds of GPU-instance time per call in B, where the gateway's work moves into the container. */
  bExtraMs: number;
  responseKib: number;
  secretVersions: number;
  supabasePlan: "free" | "pro";
  days: number;
}

export interface Line {
  id: string;
  label: string;
  usage: number;
  unit: string;
  cost: number;
}

export interface Bill {
  arch: ArchId;
  title: string;
  calls: number;
  lines: Line[];
  total: number;
  notes: string[];
}

/** Order and labels of every line any architecture can have. */
export const LINE_LABELS: ReadonlyArray<readonly [string, string]> = [
  ["fn.invocations", "Cloud Functions invocations"],
  ["fn.vcpu", "Cloud Functions compute: vCPU-s"],
  ["fn.memory", "Cloud Functions compute: GiB-s"],
  ["sb.plan", "Supabase plan base fee"],
  ["sb.invocations", "Supabase Edge Function invocations"],
  ["net.egress", "Networking: response egress"],
  ["fs.reads", "Firestore document reads"],
  ["fs.writes", "Firestore document writes"],
  ["fs.storage", "Firestore storage"],
  ["gpu.serving", "Cloud Run GPU: serving calls"],
  ["gpu.idleTails", "Cloud Run GPU: idle tails (scale to zero)"],
  ["gpu.minInstances", "Cloud Run GPU: min instances (always on)"],
  ["sm.accesses", "Secret Manager accesses"],
  ["sm.versions", "Secret Manager active versions"],
];

const label = (id: string): string => LINE_LABELS.find(([k]) => k === id)?.[1] ?? id;
const billable = (used: number, free: number): number => Math.max(0, used - free);
const KIB_PER_GIB = 1024 * 1024;

export function monthSeconds(days: number): number {
  return days * 86_400;
}

export function monthlyCalls(inp: ModelInputs): number {
  return inp.mau * inp.callsPerUser;
}

/** Cloud Run bills an instance's time rounded up to the next 100 ms; with one call per instance, per call. */
export function roundUpTo100ms(ms: number): number {
  return Math.max(0, Math.ceil(ms / 100 - 1e-9)) * 100;
}

export interface GpuTime {
  /** Instance-seconds spent on calls (beyond what min instances cover). */
  servingS: number;
  /** Instance-seconds kept awake and idle after traffic (the tail after each episode, gaps included). */
  idleTailS: number;
  /** Instance-seconds of min instances, whether busy or not. */
  alwaysOnS: number;
  /** Busy instance-seconds the calls need, before min instances absorb them. */
  busyS: number;
  /** Scale-to-zero episodes per month used for the tails (given or estimated). */
  episodes: number;
  /** Instance starts per month (each reads the secret once). */
  starts: number;
}

/**
 * How long the GPU service's instances are up in a month.
 *
 * Busy time is calls x (GPU-seconds per call / batching gain + extra per-call seconds). With min instances 0,
 * each scale-to-zero episode ends with an idle tail (Cloud Run keeps the instance ~15 min after the last
 * request, billed). Unless `episodes` is given, it is estimated from Poisson arrivals spread over
 * `activeHours` a day: with arrival rate r and tail T, the billed idle time after a call is E[min(gap, T)]
 * = (1 - e^(-rT)) / r, so the idle time is activeSeconds x (1 - e^(-rT)), expressed as that many full tails.
 * Gaps shorter than the tail count as partial episodes. Busy and idle time together stay within the active
 * hours plus one tail a day (estimated episodes), and one instance is never up longer than the month.
 * With min instances m >= 1, m instances are billed all month and busy time beyond their capacity spills
 * onto extra instances (their own tails are left out).
 */
export function gpuTime(inp: ModelInputs, calls: number, extraSecondsPerCall: number): GpuTime {
  const month = monthSeconds(inp.days);
  const busyS = calls * (inp.gpuSecondsPerCall / inp.batchingGain + extraSecondsPerCall);
  const tailS = inp.idleTailMin * 60;
  if (inp.minInstances >= 1) {
    const alwaysOnS = inp.minInstances * month;
    return { servingS: Math.max(0, busyS - alwaysOnS), idleTailS: 0, alwaysOnS, busyS, episodes: 0, starts: inp.minInstances };
  }
  const episodes = inp.episodes ?? estimatedEpisodes(calls, inp.days, inp.activeHours, tailS);
  let idleTailS = episodes * tailS;
  // Estimated: a day's awake time cannot exceed its active hours plus one tail, busy time included.
  if (inp.episodes === undefined) idleTailS = Math.min(idleTailS, Math.max(0, inp.days * (inp.activeHours * 3600 + tailS) - busyS));
  if (busyS <= month) idleTailS = Math.min(idleTailS, month - busyS);
  const starts = inp.episodes !== undefined ? Math.ceil(inp.episodes) : estimatedStarts(calls, inp.days, inp.activeHours, tailS);
  return { servingS: busyS, idleTailS, alwaysOnS: 0, busyS, episodes, starts };
}

export function estimatedEpisodes(calls: number, days: number, activeHours: number, tailS: number): number {
  if (calls <= 0) return 0;
  if (tailS <= 0) return calls;
  const activeS = days * activeHours * 3600;
  const rate = calls / activeS;
  return (activeS * -Math.expm1(-rate * tailS)) / tailS;
}

/**
 * Instance starts a month under the same Poisson assumption: one per gap longer than the tail, plus one a
 * day when the day has quiet hours, at least one.
 */
export function estimatedStarts(calls: number, days: number, activeHours: number, tailS: number): number {
  if (calls <= 0) return 0;
  const rate = calls / (days * activeHours * 3600);
  const quietDays = activeHours < 24 ? days : 0;
  return Math.max(1, Math.ceil(calls * Math.exp(-rate * tailS) + quietDays));
}

/** The monthly bill of one architecture. `callsOverride` replaces mau x calls-per-user (for break-even searches). */
export function computeBill(arch: ArchId, inp: ModelInputs, rates: Rates, callsOverride?: number): Bill {
  const calls = callsOverride ?? monthlyCalls(inp);
  const lines: Line[] = [];
  const notes: string[] = [];
  const add = (id: string, usage: number, unit: string, cost: number) => lines.push({ id, label: label(id), usage, unit, cost });

  // The front door.
  if (arch === "A") {
    // The function waits for the model, so it is billed for the gateway's own time plus the model's latency.
    const billedS = roundUpTo100ms(inp.gatewayMs + inp.modelLatencyMs) / 1000 / inp.fnConcurrency;
    const fnSeconds = calls * billedS;
    const vcpuS = fnSeconds * inp.fnVcpu;
    const gibS = (fnSeconds * inp.fnMemoryMib) / 1024;
    add("fn.invocations", calls, "invocations", billable(calls, rates.fnFreeRequests) * rates.fnRequest);
    add("fn.vcpu", vcpuS, "vCPU-s", billable(vcpuS, rates.fnFreeVcpuSeconds) * rates.fnVcpuSecond);
    add("fn.memory", gibS, "GiB-s", billable(gibS, rates.fnFreeGibSeconds) * rates.fnGibSecond);
  }
  if (arch === "C") {
    let plan = inp.supabasePlan;
    if (plan === "free" && calls > rates.sbFreeIncluded) {
      notes.push(
        `C: ${fmtCount(calls)} invocations exceed the Supabase Free plan's ${fmtCount(rates.sbFreeIncluded)} (no over-usage allowed); priced on Pro.`,
      );
      plan = "pro";
    }
    const included = plan === "pro" ? rates.sbProIncluded : rates.sbFreeIncluded;
    const over = billable(calls, included);
    const packages = plan === "pro" && over > 0 ? Math.ceil(over / 1_000_000 - 1e-9) : 0;
    add("sb.plan", 1, `${plan} plan`, plan === "pro" ? rates.sbProBaseFee : rates.sbFreeBaseFee);
    add("sb.invocations", calls, "invocations", packages * rates.sbInvocationPackage);
  }

  // Responses leave Google once in every architecture (to the user in A and B, to Supabase in C).
  const egressGib = (calls * inp.responseKib) / KIB_PER_GIB;
  add("net.egress", egressGib, "GiB", billable(egressGib, rates.freeEgressGib) * rates.egressGib);

  // Firestore: the extension's own traffic plus the quota work per admitted call (the same in all three:
  // B and C run the same transaction, from the container or from Supabase over the REST API).
  const reads = inp.mau * inp.appReadsPerUser + calls * inp.fsReadsPerCall;
  const writes = inp.mau * inp.appWritesPerUser + calls * inp.fsWritesPerCall;
  // Daily free quotas, applied as days x daily quota: exact when traffic is the same every day.
  add("fs.reads", reads, "reads", billable(reads, rates.fsFreeReadsPerDay * inp.days) * rates.fsRead);
  add("fs.writes", writes, "writes", billable(writes, rates.fsFreeWritesPerDay * inp.days) * rates.fsWrite);
  // Stored data: the extension's per-user data plus the usage ledger kept for `usageRetentionMonths`.
  const storageGib = (inp.mau * inp.appKibPerUser + calls * inp.usageRecordKib * inp.usageRetentionMonths) / KIB_PER_GIB;
  add("fs.storage", storageGib, "GiB-month", billable(storageGib, rates.fsFreeStorageGib) * rates.fsStorageGibMonth);

  // The GPU service, billed per instance-second (GPU + its vCPU and memory, instance-based billing).
  const extraS = arch === "B" ? inp.bExtraMs / 1000 : 0;
  const t = gpuTime(inp, calls, extraS);
  const instanceS = t.servingS + t.idleTailS + t.alwaysOnS;
  const vcpuS = instanceS * inp.gpuVcpu;
  const gibS = instanceS * inp.gpuMemoryGib;
  // The instance-based free tier is spread over the GPU lines in proportion to their seconds.
  const cpuBillable = vcpuS > 0 ? billable(vcpuS, rates.runInstFreeVcpuSeconds) / vcpuS : 0;
  const memBillable = gibS > 0 ? billable(gibS, rates.runInstFreeGibSeconds) / gibS : 0;
  const perInstanceSecond =
    rates.gpuSecond + inp.gpuVcpu * rates.runInstVcpuSecond * cpuBillable + inp.gpuMemoryGib * rates.runInstGibSecond * memBillable;
  add("gpu.serving", t.servingS, "instance-s", t.servingS * perInstanceSecond);
  add("gpu.idleTails", t.idleTailS, "instance-s", t.idleTailS * perInstanceSecond);
  add("gpu.minInstances", t.alwaysOnS, "instance-s", t.alwaysOnS * perInstanceSecond);
  const month = monthSeconds(inp.days);
  if (inp.minInstances >= 1 && t.busyS > t.alwaysOnS) {
    notes.push(`${arch}: calls need ${(t.busyS / month).toFixed(2)} GPU instances busy all month, more than the ${inp.minInstances} min instance(s).`);
  } else if (t.busyS > month) {
    notes.push(`${arch}: calls need ${(t.busyS / month).toFixed(2)} GPU instances busy all month; the GPU service's --max-instances must allow that many.`);
  }

  // Secret Manager: A and C keep the shared secret there; each instance reads it once at start.
  // A: function instances start about as often as the GPU's (both scale from zero together).
  // B: no shared secret (the container verifies Firebase ID tokens with Google's public keys).
  // C: the edge function's copy lives in Supabase secrets (free); the GPU container reads its copy.
  const versions = arch === "B" ? 0 : inp.secretVersions;
  const accesses = arch === "A" ? 2 * t.starts : arch === "C" ? t.starts : 0;
  add("sm.accesses", accesses, "accesses", billable(accesses, rates.smFreeAccesses) * rates.smAccess);
  add("sm.versions", versions, "versions", billable(versions, rates.smFreeVersions) * rates.smVersionMonth);

  const total = lines.reduce((sum, l) => sum + l.cost, 0);
  return { arch, title: ARCH_TITLES[arch], calls, lines, total, notes };
}

export function sumLines(bill: Bill, prefix: string): number {
  return bill.lines.filter((l) => l.id.startsWith(prefix)).reduce((s, l) => s + l.cost, 0);
}

/** The line that costs the most and its share of the total; null when everything is free. */
export function dominant(bill: Bill): { id: string; label: string; cost: number; share: number } | null {
  if (bill.total <= 0) return null;
  const top = [...bill.lines].sort((a, b) => b.cost - a.cost)[0];
  if (!top || top.cost <= 0) return null;
  return { id: top.id, label: top.label, cost: top.cost, share: top.cost / bill.total };
}

export function fmtCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
