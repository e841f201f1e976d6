/** Shared fixtures: the inputs of the hand-checked cases, written out in full, and the real price file. */
import type { ModelInputs } from "../src/model";
import { loadPriceFile, type Rates, toRates } from "../src/prices";

/** The calculator's defaults, spelled out so each expected number below can be checked by hand. */
export function inputs(overrides: Partial<ModelInputs> = {}): ModelInputs {
  return {
    mau: 100_000,
    callsPerUser: 30,
    appReadsPerUser: 300,
    appWritesPerUser: 30,
    appKibPerUser: 100,
    usageRecordKib: 1,
    usageRetentionMonths: 12,
    fnMemoryMib: 256,
    fnVcpu: 1,
    fnConcurrency: 1,
    gatewayMs: 100,
    fsReadsPerCall: 2,
    fsWritesPerCall: 2,
    gpuSecondsPerCall: 0.1,
    modelLatencyMs: 100,
    batchingGain: 1,
    gpuVcpu: 4,
    gpuMemoryGib: 16,
    minInstances: 0,
    episodes: undefined,
    idleTailMin: 15,
    activeHours: 24,
    bExtraMs: 100,
    responseKib: 2,
    secretVersions: 1,
    supabasePlan: "pro",
    days: 30,
    ...overrides,
  };
}

/** Inputs where nothing but the model calls costs anything (for edges of one line at a time). */
export function quiet(overrides: Partial<ModelInputs> = {}): ModelInputs {
  return inputs({ mau: 0, callsPerUser: 0, appReadsPerUser: 0, appWritesPerUser: 0, appKibPerUser: 0, ...overrides });
}

const file = loadPriceFile();
/** Rates from cost/prices.json with free tiers. */
export const RATES: Rates = toRates(file, { gpuType: "nvidia-l4", freeTier: true });
/** The same without free tiers. */
export const NO_FREE: Rates = toRates(file, { gpuType: "nvidia-l4", freeTier: false });
export const PRICE_FILE = file;

/** 30 days in seconds. */
export const MONTH = 2_592_000;
