/**
 * The batching gain from the batching benchmark's real result files: the GPU runs' batched / unbatched
 * requests/s at concurrency 32 (in_process), the least of them; a CPU run's ratio is not applied to GPU time.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gpuBatchingRatioC32, readBench } from "../src/inputs";

const level = (rps: number) => ({ requests: 100, errors: 0, rps, p50_ms: 1, p95_ms: 2, mean_ms: 1 });
function run(device: "cpu" | "cuda", on32: number, off32: number, extra: Record<string, unknown> = {}) {
  return {
    machine: { gpu: device === "cuda" ? "NVIDIA H200" : null },
    model: { dir: "default", device },
    in_process: { off: { "32": level(off32), "64": level(10) }, on: { "32": level(on32), "64": level(1000) } },
    // batching.py writes this at the run's highest concurrency (64 here): 1000 / 10, not the c=32 ratio
    throughput_ratio_c32: 100,
    ...extra,
  };
}
function benchDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "cost-bench-batching-"));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(data));
  return dir;
}

test("the ratio is read from in_process at concurrency 32, only for a GPU run", () => {
  expect(gpuBatchingRatioC32(run("cuda", 3768, 199.9))).toBe(18.849);
  expect(gpuBatchingRatioC32(run("cpu", 889.9, 306.4))).toBeUndefined();
  expect(gpuBatchingRatioC32({ model: { device: "cuda" }, in_process: { on: { "8": level(5) }, off: { "8": level(1) } } })).toBeUndefined();
  expect(gpuBatchingRatioC32({ model: { device: "cuda" }, throughput_ratio_c32: 5 })).toBeUndefined();
});

test("GPU result files give the batching gain: the least ratio, with its file named; the CPU run is skipped", () => {
  const dir = benchDir({
    "batching.json": run("cpu", 889.9, 306.4),
    "batching-gpu-a.json": run("cuda", 3768, 200),
    "batching-gpu-b.json": run("cuda", 6936, 702),
  });
  const warnings: string[] = [];
  const { values, from } = readBench(dir, warnings);
  expect(values.batchingGain).toBe(9.88);
  expect(from.batchingGain).toBe("bench/results/batching-gpu-b.json in_process c=32 batched/unbatched req/s (NVIDIA H200; least of 2 GPU runs)");
  expect(values.gpuSecondsPerCall).toBeUndefined();
  expect(warnings).toEqual([]);
});

test("without a GPU run the gain stays unset (built-in 1), and a CPU batching.json raises no warning", () => {
  const warnings: string[] = [];
  const { values } = readBench(benchDir({ "batching.json": run("cpu", 889.9, 306.4) }), warnings);
  expect(values.batchingGain).toBeUndefined();
  expect(warnings).toEqual([]);
});

test("an explicit batching_gain in batching.json wins over the GPU runs", () => {
  const dir = benchDir({ "batching.json": { batching_gain: 2.5 }, "batching-gpu-a.json": run("cuda", 3768, 200) });
  const { values, from } = readBench(dir, []);
  expect(values.batchingGain).toBe(2.5);
  expect(from.batchingGain).toBe("bench/results/batching.json batching_gain");
});

test("a GPU run alone, without batching.json, still counts", () => {
  const { values, from } = readBench(benchDir({ "batching-gpu-a.json": run("cuda", 3768, 200) }), []);
  expect(values.batchingGain).toBe(18.84);
  expect(from.batchingGain).toMatch(/batching-gpu-a\.json .*\(NVIDIA H200\)$/);
});
