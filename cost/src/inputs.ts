/**
 * @module inputs
 * The calculator's flags: their defaults, where each default comes from (a flag, a benchmark result in
 * `bench/results/`, or a built-in assumption) and the checks that turn a bad argument into a clear message.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ModelInputs } from "./model";
import { DEFAULT_PRICES_PATH } from "./prices";

export const REPO_ROOT = resolve(__dirname, "..", "..");
export const DEFAULT_BENCH_DIR = join(REPO_ROOT, "bench", "results");

export class UsageError extends Error {}

type NumKey = Exclude<keyof ModelInputs, "supabasePlan" | "episodes">;

interface NumFlag {
  flag: string;
  key: NumKey | "episodes" | "hopShare" | "gpuPrice";
  help: string;
  /** Built-in default and why; absent: derived from other inputs or from the price file. */
  builtIn?: { value: number; why: string };
  min?: number;
  /** The value must be strictly greater than `min`. */
  above?: boolean;
  max?: number;
  integer?: boolean;
}

export const NUM_FLAGS: NumFlag[] = [
  { flag: "mau", key: "mau", help: "monthly active users", builtIn: { value: 1000, why: "example size" }, min: 0 },
  { flag: "calls-per-user", key: "callsPerUser", help: "model calls per user per month", builtIn: { value: 30, why: "about one a day" }, min: 0 },
  { flag: "app-reads-per-user", key: "appReadsPerUser", help: "Firestore reads per user per month by the extension's own data traffic", builtIn: { value: 300, why: "assumed: ~10 reads a day" }, min: 0 },
  { flag: "app-writes-per-user", key: "appWritesPerUser", help: "Firestore writes per user per month by the extension's own data traffic", builtIn: { value: 30, why: "assumed: ~1 write a day" }, min: 0 },
  { flag: "app-kib-per-user", key: "appKibPerUser", help: "KiB the extension stores per user in Firestore", builtIn: { value: 100, why: "assumed" }, min: 0 },
  { flag: "usage-record-kib", key: "usageRecordKib", help: "KiB per usage record (quotas/{uid}/usage/{callId}), indexes included", builtIn: { value: 1, why: "~10 fields with single-field indexes" }, min: 0 },
  { flag: "usage-retention-months", key: "usageRetentionMonths", help: "months of usage records kept (the gateway deletes none)", builtIn: { value: 12, why: "assumed: a year of history" }, min: 0 },
  { flag: "fn-memory-mib", key: "fnMemoryMib", help: "function memory (MiB)", builtIn: { value: 256, why: 'functions/src/index.ts sets memory: "256MiB"' }, min: 0, above: true },
  { flag: "fn-vcpu", key: "fnVcpu", help: "function vCPU", builtIn: { value: 1, why: "firebase-functions v2 default for <= 2 GiB" }, min: 0, above: true },
  { flag: "fn-concurrency", key: "fnConcurrency", help: "calls sharing one function instance's billed time (1 = each call pays its own)", builtIn: { value: 1, why: "conservative; v2 allows up to 80 concurrent calls" }, min: 1, integer: true },
  { flag: "gateway-ms", key: "gatewayMs", help: "gateway time per call, model excluded (ms)", builtIn: { value: 100, why: "estimate: token check + quota transaction + usage write" }, min: 0 },
  { flag: "fs-reads-per-call", key: "fsReadsPerCall", help: "Firestore reads per admitted call", builtIn: { value: 2, why: "this gateway: 1 transaction reads quota + plan" }, min: 0 },
  { flag: "fs-writes-per-call", key: "fsWritesPerCall", help: "Firestore writes per admitted call", builtIn: { value: 2, why: "this gateway: quota update + usage record" }, min: 0 },
  { flag: "gpu-seconds-per-call", key: "gpuSecondsPerCall", help: "GPU-seconds per call, unbatched", builtIn: { value: 0.1, why: "assumed: small transformer, <= 16 texts, on an L4" }, min: 0 },
  { flag: "model-latency-ms", key: "modelLatencyMs", help: "model latency the function waits for (ms); default: GPU-seconds per call x 1000", min: 0 },
  { flag: "batching-gain", key: "batchingGain", help: "divisor on GPU-seconds from batching concurrent calls", builtIn: { value: 1, why: "conservative: no gain without a GPU batching result (bench/batching_gpu.sh)" }, min: 0, above: true },
  { flag: "gpu-price", key: "gpuPrice", help: "USD per GPU-second, overrides --gpu-type's price", min: 0 },
  { flag: "gpu-vcpu", key: "gpuVcpu", help: "vCPU of the GPU service", builtIn: { value: 4, why: "README deploy command (--cpu 4; required with a GPU)" }, min: 0 },
  { flag: "gpu-memory-gib", key: "gpuMemoryGib", help: "memory of the GPU service (GiB)", builtIn: { value: 16, why: "README deploy command (--memory 16Gi)" }, min: 0 },
  { flag: "min-instances", key: "minInstances", help: "GPU min instances", builtIn: { value: 0, why: "README deploy command (scale to zero)" }, min: 0, integer: true },
  { flag: "episodes", key: "episodes", help: "scale-to-zero episodes per month; default: estimated from the traffic", min: 0 },
  { flag: "idle-tail-min", key: "idleTailMin", help: "minutes a GPU instance stays up (billed) after its last request", builtIn: { value: 15, why: "Cloud Run keeps idle instances ~15 min" }, min: 0 },
  { flag: "active-hours", key: "activeHours", help: "hours a day the calls are spread over (for the episode estimate)", builtIn: { value: 24, why: "uniform traffic, the least favourable to scale to zero" }, min: 0, above: true, max: 24 },
  { flag: "b-extra-ms", key: "bExtraMs", help: "B: extra GPU-instance time per call for the gateway work (ms); default: the gateway time", min: 0 },
  { flag: "response-kib", key: "responseKib", help: "KiB per response leaving Google", builtIn: { value: 2, why: "16 labels with scores, JSON" }, min: 0 },
  { flag: "secret-versions", key: "secretVersions", help: "active versions of the shared secret (2 while rotating)", builtIn: { value: 1, why: "one secret, one version" }, min: 0, integer: true },
  { flag: "days", key: "days", help: "days in the month", builtIn: { value: 30, why: "billing month" }, min: 0, above: true, max: 31 },
  { flag: "hop-share", key: "hopShare", help: "percent of the GPU bill for the function-hop break-even", builtIn: { value: 10, why: "a threshold worth knowing" }, min: 0, above: true, max: 100 },
];

export interface Source {
  value: number | string | boolean;
  source: string;
}

export interface Resolved {
  model: ModelInputs;
  gpuType: string;
  gpuPrice: number | undefined;
  freeTier: boolean;
  json: boolean;
  hopShare: number;
  pricesPath: string;
  benchDir: string;
  sources: Record<string, Source>;
  warnings: string[];
}

export type ParseResult = { help: true } | ({ help: false } & Resolved);

function parseNumber(spec: NumFlag, raw: string): number {
  const text = raw.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) {
    throw new UsageError(`--${spec.flag} needs a number, got "${raw}"`);
  }
  const n = Number(text);
  if (!Number.isFinite(n)) throw new UsageError(`--${spec.flag} needs a finite number, got "${raw}"`);
  const min = spec.min ?? 0;
  if (spec.above ? n <= min : n < min) {
    throw new UsageError(`--${spec.flag} must be ${spec.above ? "greater than" : "at least"} ${min}, got ${raw}`);
  }
  if (spec.max !== undefined && n > spec.max) throw new UsageError(`--${spec.flag} must be at most ${spec.max}, got ${raw}`);
  if (spec.integer && !Number.isInteger(n)) throw new UsageError(`--${spec.flag} must be a whole number, got ${raw}`);
  return n;
}

interface BenchValues {
  gatewayMs?: number;
  fsReadsPerCall?: number;
  fsWritesPerCall?: number;
  gpuSecondsPerCall?: number;
  batchingGain?: number;
}

const positive = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;
const nonNegative = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/**
 * Batched / unbatched requests/s of the in-process batcher at concurrency 32, from a `bench/batching.py` result
 * measured on a GPU (`model.device` "cuda"); undefined for a CPU run or a result without that level. Read from
 * `in_process`, not from `throughput_ratio_c32`: batching.py computes that field at the run's highest
 * concurrency, which is 64 in the GPU runs (bench/batching_gpu.sh), against a contended unbatched baseline.
 */
export function gpuBatchingRatioC32(data: Record<string, unknown>): number | undefined {
  const model = data.model as { device?: unknown } | undefined;
  if (typeof model !== "object" || model === null || model.device !== "cuda") return undefined;
  type Level = Record<string, { rps?: unknown } | undefined> | undefined;
  const inProcess = data.in_process as { on?: Level; off?: Level } | undefined;
  const on = inProcess?.on?.["32"]?.rps;
  const off = inProcess?.off?.["32"]?.rps;
  return positive(on) && positive(off) ? Math.round((on / off) * 1000) / 1000 : undefined;
}

/**
 * Reads the benchmark results if they exist. gateway.json: `overhead_p50_ms`, `firestore_ops_per_admitted`
 * (a number, split evenly between reads and writes as the gateway does today, or `{ reads, writes }`).
 * batching.json: `gpu_seconds_per_call`, `batching_gain` (or `speedup`). Without either gain field, the
 * batching gain is the least GPU batched/unbatched ratio at concurrency 32 among batching.json and
 * batching-gpu-*.json (see gpuBatchingRatioC32); a CPU run's ratio is not used for GPU-seconds. A file that is
 * missing is silently skipped; one that is unreadable or has no usable field gives a warning.
 */
export function readBench(dir: string, warnings: string[]): { values: BenchValues; from: Partial<Record<keyof BenchValues, string>> } {
  const values: BenchValues = {};
  const from: Partial<Record<keyof BenchValues, string>> = {};
  const load = (name: string): Record<string, unknown> | undefined => {
    const path = join(dir, name);
    if (!existsSync(path)) return undefined;
    try {
      const data: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (typeof data === "object" && data !== null) return data as Record<string, unknown>;
      warnings.push(`${path} is not a JSON object; using built-in defaults instead`);
    } catch (err) {
      warnings.push(`${path} is unreadable (${(err as Error).message}); using built-in defaults instead`);
    }
    return undefined;
  };
  const gateway = load("gateway.json");
  if (gateway) {
    if (nonNegative(gateway.overhead_p50_ms)) {
      values.gatewayMs = gateway.overhead_p50_ms;
      from.gatewayMs = "bench/results/gateway.json overhead_p50_ms";
    }
    const ops = gateway.firestore_ops_per_admitted;
    if (nonNegative(ops)) {
      values.fsReadsPerCall = ops / 2;
      values.fsWritesPerCall = ops / 2;
      from.fsReadsPerCall = from.fsWritesPerCall = "bench/results/gateway.json firestore_ops_per_admitted (split evenly)";
    } else if (typeof ops === "object" && ops !== null) {
      const { reads, writes } = ops as { reads?: unknown; writes?: unknown };
      if (nonNegative(reads)) {
        values.fsReadsPerCall = reads;
        from.fsReadsPerCall = "bench/results/gateway.json firestore_ops_per_admitted.reads";
      }
      if (nonNegative(writes)) {
        values.fsWritesPerCall = writes;
        from.fsWritesPerCall = "bench/results/gateway.json firestore_ops_per_admitted.writes";
      }
    }
    if (!from.gatewayMs && !from.fsReadsPerCall && !from.fsWritesPerCall) {
      warnings.push(`${join(dir, "gateway.json")} has no usable overhead_p50_ms or firestore_ops_per_admitted`);
    }
  }
  const batching = load("batching.json");
  if (batching) {
    if (positive(batching.gpu_seconds_per_call)) {
      values.gpuSecondsPerCall = batching.gpu_seconds_per_call;
      from.gpuSecondsPerCall = "bench/results/batching.json gpu_seconds_per_call";
    }
    const gain = positive(batching.batching_gain) ? "batching_gain" : positive(batching.speedup) ? "speedup" : undefined;
    if (gain) {
      values.batchingGain = batching[gain] as number;
      from.batchingGain = `bench/results/batching.json ${gain}`;
    }
    if (!from.gpuSecondsPerCall && !from.batchingGain && !nonNegative(batching.throughput_ratio_c32)) {
      warnings.push(`${join(dir, "batching.json")} has no usable gpu_seconds_per_call, batching_gain or throughput_ratio_c32`);
    }
  }
  if (!from.batchingGain) {
    const names = existsSync(dir) ? readdirSync(dir).filter((n) => /^batching-gpu-.*\.json$/.test(n)).sort() : [];
    const runs: { name: string; ratio: number; gpu: string }[] = [];
    for (const name of ["batching.json", ...names]) {
      const data = name === "batching.json" ? batching : load(name);
      const ratio = data ? gpuBatchingRatioC32(data) : undefined;
      if (data && ratio !== undefined) {
        const gpu = (data.machine as { gpu?: unknown } | undefined)?.gpu;
        runs.push({ name, ratio, gpu: typeof gpu === "string" ? gpu : "GPU" });
      }
    }
    if (runs.length > 0) {
      const least = runs.reduce((a, b) => (b.ratio < a.ratio ? b : a));
      values.batchingGain = least.ratio;
      const of = runs.length > 1 ? `; least of ${runs.length} GPU runs` : "";
      from.batchingGain = `bench/results/${least.name} in_process c=32 batched/unbatched req/s (${least.gpu}${of})`;
    }
  }
  return { values, from };
}

export function parseCli(argv: string[]): ParseResult {
  const options: Record<string, { type: "string" | "boolean" }> = {
    json: { type: "boolean" },
    help: { type: "boolean" },
    "no-free-tier": { type: "boolean" },
    "gpu-type": { type: "string" },
    "supabase-plan": { type: "string" },
    prices: { type: "string" },
    "bench-dir": { type: "string" },
  };
  for (const spec of NUM_FLAGS) options[spec.flag] = { type: "string" };

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    const e = err as Error & { code?: string };
    const name = /'(-[^' ]+)/.exec(e.message)?.[1] ?? "";
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown flag ${name}`);
    if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new UsageError(`unexpected argument: ${e.message.replace(/^.*?'([^']*)'.*$/s, "$1")}`);
    if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      if (/ambiguous/.test(e.message)) throw new UsageError(`${name} needs a value (got a flag or a negative number after it)`);
      if (/missing/.test(e.message)) throw new UsageError(`${name} needs a value`);
      throw new UsageError(`${name}: ${e.message}`);
    }
    throw new UsageError(e.message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return { help: true };

  const warnings: string[] = [];
  const sources: Record<string, Source> = {};
  const benchDir = typeof v["bench-dir"] === "string" ? resolve(v["bench-dir"]) : DEFAULT_BENCH_DIR;
  const bench = readBench(benchDir, warnings);
  const nums: Record<string, number | undefined> = {};
  for (const spec of NUM_FLAGS) {
    const raw = v[spec.flag];
    if (typeof raw === "string") {
      nums[spec.key] = parseNumber(spec, raw);
      sources[spec.flag] = { value: nums[spec.key] as number, source: "flag" };
      continue;
    }
    const fromBench = bench.values[spec.key as keyof BenchValues];
    if (fromBench !== undefined) {
      nums[spec.key] = fromBench;
      sources[spec.flag] = { value: fromBench, source: bench.from[spec.key as keyof BenchValues] as string };
    } else if (spec.builtIn) {
      nums[spec.key] = spec.builtIn.value;
      sources[spec.flag] = { value: spec.builtIn.value, source: `built-in default (${spec.builtIn.why})` };
    }
  }
  const num = (key: string): number => nums[key] as number;
  if (nums.modelLatencyMs === undefined) {
    nums.modelLatencyMs = num("gpuSecondsPerCall") * 1000;
    sources["model-latency-ms"] = { value: nums.modelLatencyMs, source: "derived: GPU-seconds per call x 1000 (unbatched latency)" };
  }
  if (nums.bExtraMs === undefined) {
    nums.bExtraMs = num("gatewayMs");
    sources["b-extra-ms"] = { value: nums.bExtraMs, source: "derived: = gateway time (the gateway's work moves into the GPU container)" };
  }
  if (nums.episodes === undefined) {
    sources.episodes = { value: "estimated", source: "derived: Poisson arrivals over --active-hours a day (see docs/costs.md)" };
  }

  const gpuType = typeof v["gpu-type"] === "string" ? v["gpu-type"] : "nvidia-l4";
  sources["gpu-type"] = { value: gpuType, source: typeof v["gpu-type"] === "string" ? "flag" : "built-in default (L4 without zonal redundancy)" };
  const plan = typeof v["supabase-plan"] === "string" ? v["supabase-plan"] : "pro";
  if (plan !== "free" && plan !== "pro") throw new UsageError(`--supabase-plan must be "free" or "pro", got "${plan}"`);
  sources["supabase-plan"] = { value: plan, source: typeof v["supabase-plan"] === "string" ? "flag" : "built-in default (Free plan projects pause when idle)" };
  const freeTier = !v["no-free-tier"];
  sources["free-tier"] = { value: freeTier, source: freeTier ? "built-in default (free tiers applied per month)" : "flag --no-free-tier" };

  const model: ModelInputs = {
    mau: num("mau"),
    callsPerUser: num("callsPerUser"),
    appReadsPerUser: num("appReadsPerUser"),
    appWritesPerUser: num("appWritesPerUser"),
    appKibPerUser: num("appKibPerUser"),
    usageRecordKib: num("usageRecordKib"),
    usageRetentionMonths: num("usageRetentionMonths"),
    fnMemoryMib: num("fnMemoryMib"),
    fnVcpu: num("fnVcpu"),
    fnConcurrency: num("fnConcurrency"),
    gatewayMs: num("gatewayMs"),
    fsReadsPerCall: num("fsReadsPerCall"),
    fsWritesPerCall: num("fsWritesPerCall"),
    gpuSecondsPerCall: num("gpuSecondsPerCall"),
    modelLatencyMs: num("modelLatencyMs"),
    batchingGain: num("batchingGain"),
    gpuVcpu: num("gpuVcpu"),
    gpuMemoryGib: num("gpuMemoryGib"),
    minInstances: num("minInstances"),
    episodes: nums.episodes,
    idleTailMin: num("idleTailMin"),
    activeHours: num("activeHours"),
    bExtraMs: num("bExtraMs"),
    responseKib: num("responseKib"),
    secretVersions: num("secretVersions"),
    supabasePlan: plan,
    days: num("days"),
  };
  return {
    help: false,
    model,
    gpuType,
    gpuPrice: nums.gpuPrice,
    freeTier,
    json: Boolean(v.json),
    hopShare: num("hopShare"),
    pricesPath: typeof v.prices === "string" ? resolve(v.prices) : DEFAULT_PRICES_PATH,
    benchDir,
    sources,
    warnings,
  };
}

export function helpText(): string {
  const rows = NUM_FLAGS.map((s) => {
    const dflt = s.builtIn ? ` (default ${s.builtIn.value}: ${s.builtIn.why})` : "";
    return `  --${s.flag.padEnd(24)} ${s.help}${dflt}`;
  });
  return [
    "Usage: npm run cost -- [flags]",
    "",
    "Monthly bill, line by line, of a signed-in, metered door in front of a Cloud Run GPU model, for",
    "(A) this project's callable function, (B) the GPU container verifying ID tokens itself, and",
    "(C) the same gateway on Supabase Edge Functions. Prices: cost/prices.json (check before relying on them).",
    "Defaults for gateway time, Firestore ops and GPU time come from bench/results/*.json when present.",
    "",
    "Numbers (all >= 0):",
    ...rows,
    "",
    "Other flags:",
    `  --${"gpu-type".padEnd(24)} GPU price entry in the price file: nvidia-l4 (default), nvidia-l4-zonal-redundancy`,
    `  --${"supabase-plan".padEnd(24)} free | pro (default pro) for architecture C`,
    `  --${"no-free-tier".padEnd(24)} price everything without free tiers`,
    `  --${"prices".padEnd(24)} another price file (same shape as cost/prices.json)`,
    `  --${"bench-dir".padEnd(24)} where gateway.json and batching.json are read (default bench/results)`,
    `  --${"json".padEnd(24)} print JSON instead of the table`,
    `  --${"help".padEnd(24)} this text`,
  ].join("\n");
}
