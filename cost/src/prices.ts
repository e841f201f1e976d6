/**
 * @module prices
 * Loads the one price file (`cost/prices.json`), checks that every entry says its unit, value, source
 * and the date it was read, and turns it into the flat `Rates` the model uses. No price lives anywhere
 * else: the model only ever sees `Rates`.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export const DEFAULT_PRICES_PATH = resolve(__dirname, "..", "prices.json");

export interface PriceEntry {
  kind: "price" | "free";
  value: number;
  unit: string;
  source: string;
  read: string;
  status: string;
  confirmed: string | null;
  note?: string;
}

export interface PriceFile {
  currency: string;
  entries: Record<string, PriceEntry>;
}

/** Every id the model reads; a GPU type adds `gpu.<type>`. */
export const REQUIRED_IDS = [
  "cloudRun.requestBased.vcpuSecond",
  "cloudRun.requestBased.gibSecond",
  "cloudRun.requestBased.request",
  "cloudRun.requestBased.freeRequests",
  "cloudRun.requestBased.freeVcpuSeconds",
  "cloudRun.requestBased.freeGibSeconds",
  "cloudRun.instanceBased.vcpuSecond",
  "cloudRun.instanceBased.gibSecond",
  "cloudRun.instanceBased.freeVcpuSeconds",
  "cloudRun.instanceBased.freeGibSeconds",
  "firestore.read",
  "firestore.write",
  "firestore.storageGibMonth",
  "firestore.freeReadsPerDay",
  "firestore.freeWritesPerDay",
  "firestore.freeStorageGib",
  "network.egressGib",
  "network.freeEgressGib",
  "secretManager.activeVersionMonth",
  "secretManager.access",
  "secretManager.freeActiveVersions",
  "secretManager.freeAccesses",
  "supabase.free.baseFee",
  "supabase.pro.baseFee",
  "supabase.invocationPackage",
  "supabase.free.includedInvocations",
  "supabase.pro.includedInvocations",
] as const;

export class PriceFileError extends Error {}

/** Reads and validates a price file; throws `PriceFileError` naming the first bad entry. */
export function loadPriceFile(path: string = DEFAULT_PRICES_PATH): PriceFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new PriceFileError(`cannot read the price file ${path}: ${(err as Error).message}`);
  }
  return validatePriceFile(raw, path);
}

export function validatePriceFile(raw: unknown, path = "prices"): PriceFile {
  if (typeof raw !== "object" || raw === null) throw new PriceFileError(`${path}: not a JSON object`);
  const file = raw as { currency?: unknown; entries?: unknown };
  if (file.currency !== "USD") throw new PriceFileError(`${path}: currency must be "USD"`);
  if (typeof file.entries !== "object" || file.entries === null) throw new PriceFileError(`${path}: no "entries"`);
  const entries = file.entries as Record<string, unknown>;
  for (const [id, value] of Object.entries(entries)) {
    const e = value as Partial<PriceEntry> | null;
    const bad = (why: string) => new PriceFileError(`${path}: entry "${id}" ${why}`);
    if (typeof e !== "object" || e === null) throw bad("is not an object");
    if (e.kind !== "price" && e.kind !== "free") throw bad('needs kind "price" or "free"');
    if (typeof e.value !== "number" || !Number.isFinite(e.value) || e.value < 0) throw bad("needs a number value >= 0");
    if (typeof e.unit !== "string" || e.unit.trim() === "") throw bad("needs a unit");
    if (typeof e.source !== "string" || !/^https:\/\/\S+$/.test(e.source)) throw bad("needs a source URL");
    if (typeof e.read !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(e.read)) throw bad("needs a read date (YYYY-MM-DD)");
    if (typeof e.status !== "string" || e.status.trim() === "") throw bad("needs a status");
  }
  for (const id of REQUIRED_IDS) {
    if (!(id in entries)) throw new PriceFileError(`${path}: missing entry "${id}"`);
  }
  if (gpuTypes(file as PriceFile).length === 0) throw new PriceFileError(`${path}: no "gpu.<type>" entry`);
  return file as PriceFile;
}

export function gpuTypes(file: PriceFile): string[] {
  return Object.keys(file.entries)
    .filter((id) => id.startsWith("gpu."))
    .map((id) => id.slice("gpu.".length));
}

/** The oldest `read` date in the file: how stale the numbers may be. */
export function oldestRead(file: PriceFile): string {
  return Object.values(file.entries)
    .map((e) => e.read)
    .sort()[0] as string;
}

/** Unit prices (USD) and free allowances, flattened for the model. Free values are per month unless named per day. */
export interface Rates {
  fnRequest: number;
  fnVcpuSecond: number;
  fnGibSecond: number;
  fnFreeRequests: number;
  fnFreeVcpuSeconds: number;
  fnFreeGibSeconds: number;
  gpuSecond: number;
  runInstVcpuSecond: number;
  runInstGibSecond: number;
  runInstFreeVcpuSeconds: number;
  runInstFreeGibSeconds: number;
  fsRead: number;
  fsWrite: number;
  fsStorageGibMonth: number;
  fsFreeReadsPerDay: number;
  fsFreeWritesPerDay: number;
  fsFreeStorageGib: number;
  egressGib: number;
  freeEgressGib: number;
  smVersionMonth: number;
  smAccess: number;
  smFreeVersions: number;
  smFreeAccesses: number;
  sbFreeBaseFee: number;
  sbProBaseFee: number;
  sbInvocationPackage: number;
  sbFreeIncluded: number;
  sbProIncluded: number;
}

export interface RateOptions {
  gpuType: string;
  /** Overrides the GPU type's price per GPU-second. */
  gpuPricePerSecond?: number | undefined;
  /** false: every free allowance is zero (what the bill looks like without free tiers). */
  freeTier: boolean;
}

export function toRates(file: PriceFile, options: RateOptions): Rates {
  const v = (id: string): number => {
    const entry = file.entries[id];
    if (!entry) throw new PriceFileError(`missing entry "${id}"`);
    return entry.value;
  };
  const free = (id: string): number => (options.freeTier ? v(id) : 0);
  const gpuId = `gpu.${options.gpuType}`;
  if (!(gpuId in file.entries)) {
    throw new PriceFileError(`unknown GPU type "${options.gpuType}" (known: ${gpuTypes(file).join(", ")})`);
  }
  return {
    fnRequest: v("cloudRun.requestBased.request"),
    fnVcpuSecond: v("cloudRun.requestBased.vcpuSecond"),
    fnGibSecond: v("cloudRun.requestBased.gibSecond"),
    fnFreeRequests: free("cloudRun.requestBased.freeRequests"),
    fnFreeVcpuSeconds: free("cloudRun.requestBased.freeVcpuSeconds"),
    fnFreeGibSeconds: free("cloudRun.requestBased.freeGibSeconds"),
    gpuSecond: options.gpuPricePerSecond ?? v(gpuId),
    runInstVcpuSecond: v("cloudRun.instanceBased.vcpuSecond"),
    runInstGibSecond: v("cloudRun.instanceBased.gibSecond"),
    runInstFreeVcpuSeconds: free("cloudRun.instanceBased.freeVcpuSeconds"),
    runInstFreeGibSeconds: free("cloudRun.instanceBased.freeGibSeconds"),
    fsRead: v("firestore.read"),
    fsWrite: v("firestore.write"),
    fsStorageGibMonth: v("firestore.storageGibMonth"),
    fsFreeReadsPerDay: free("firestore.freeReadsPerDay"),
    fsFreeWritesPerDay: free("firestore.freeWritesPerDay"),
    fsFreeStorageGib: free("firestore.freeStorageGib"),
    egressGib: v("network.egressGib"),
    freeEgressGib: free("network.freeEgressGib"),
    smVersionMonth: v("secretManager.activeVersionMonth"),
    smAccess: v("secretManager.access"),
    smFreeVersions: free("secretManager.freeActiveVersions"),
    smFreeAccesses: free("secretManager.freeAccesses"),
    sbFreeBaseFee: v("supabase.free.baseFee"),
    sbProBaseFee: v("supabase.pro.baseFee"),
    sbInvocationPackage: v("supabase.invocationPackage"),
    // Supabase's included invocations are the plan's quota, not a free tier: they stay with --no-free-tier.
    sbFreeIncluded: v("supabase.free.includedInvocations"),
    sbProIncluded: v("supabase.pro.includedInvocations"),
  };
}

/** The "function pricing changes" scenario: every price of the function layer times `factor` (free tiers kept). */
export function scaleFunctionPrices(rates: Rates, factor: number): Rates {
  return {
    ...rates,
    fnRequest: rates.fnRequest * factor,
    fnVcpuSecond: rates.fnVcpuSecond * factor,
    fnGibSecond: rates.fnGibSecond * factor,
    sbFreeBaseFee: rates.sbFreeBaseFee * factor,
    sbProBaseFee: rates.sbProBaseFee * factor,
    sbInvocationPackage: rates.sbInvocationPackage * factor,
  };
}
