/**
 * The CLI as users run it: built with tsc, spawned as a child process. Good arguments print a table or JSON
 * and exit 0; bad ones print one clear line on stderr, nothing on stdout, and exit 2.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");
const CLI = join(ROOT, "lib", "cli.js");
const emptyBench = mkdtempSync(join(tmpdir(), "cost-bench-empty-"));

beforeAll(() => {
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json")], { stdio: "inherit" });
}, 60_000);

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("good arguments", () => {
  test("prints the table with totals, what dominates, the doubling line and break-evens", () => {
    const r = run("--mau", "10000", "--calls-per-user", "30", "--bench-dir", emptyBench);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/10,000 MAU, 300,000 calls\/month/);
    expect(r.out).toMatch(/Total per month\s+\$750\.68\s+\$750\.68\s+\$775\.68/);
    expect(r.out).toMatch(/What dominates:/);
    expect(r.out).toMatch(/If function pricing doubles/);
    expect(r.out).toMatch(/min instances 1 costs no more than scale to zero .*: 20,5\d\d calls\/month/);
    expect(r.out).toMatch(/--gateway-ms\s+100\s+built-in default/);
  });

  test("--json gives the same numbers as data", () => {
    const r = run("--mau", "100000", "--json", "--bench-dir", emptyBench);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    // 100k MAU x 30 (default calls per user) = 3,000,000; A's total from the hand-checked case in model.test.ts
    expect(j.calls).toBe(3_000_000);
    expect(j.architectures.A.total).toBeCloseTo(802.857466, 4);
    expect(j.architectures.B.ifFunctionPricingDoubles.delta).toBe(0);
    expect(j.breakEven.map((b: { id: string }) => b.id)).toEqual(["alwaysOn", "hopShare", "bCheaperThanA", "cCheaperThanA"]);
    expect(j.inputs["calls-per-user"].source).toMatch(/built-in default/);
  });

  test("--help lists the flags and exits 0", () => {
    const r = run("--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--calls-per-user/);
    expect(r.out).toMatch(/--idle-tail-min/);
  });
});

describe("defaults from benchmark results", () => {
  test("gateway.json and batching.json replace the built-in defaults, and the output names them", () => {
    const dir = mkdtempSync(join(tmpdir(), "cost-bench-"));
    writeFileSync(join(dir, "gateway.json"), JSON.stringify({ overhead_p50_ms: 42, firestore_ops_per_admitted: { reads: 2, writes: 3 } }));
    writeFileSync(join(dir, "batching.json"), JSON.stringify({ gpu_seconds_per_call: 0.05, batching_gain: 2.5 }));
    const j = JSON.parse(run("--json", "--bench-dir", dir).out);
    expect(j.inputs["gateway-ms"]).toEqual({ value: 42, source: "bench/results/gateway.json overhead_p50_ms" });
    expect(j.inputs["fs-reads-per-call"].value).toBe(2);
    expect(j.inputs["fs-writes-per-call"]).toEqual({ value: 3, source: "bench/results/gateway.json firestore_ops_per_admitted.writes" });
    expect(j.inputs["gpu-seconds-per-call"].source).toBe("bench/results/batching.json gpu_seconds_per_call");
    expect(j.inputs["batching-gain"].value).toBe(2.5);
    // the model latency follows the benchmark's GPU time: 0.05 s x 1000 = 50 ms
    expect(j.inputs["model-latency-ms"].value).toBe(50);
  });

  test("a flag wins over the benchmark", () => {
    const dir = mkdtempSync(join(tmpdir(), "cost-bench-"));
    writeFileSync(join(dir, "gateway.json"), JSON.stringify({ overhead_p50_ms: 42, firestore_ops_per_admitted: 4 }));
    const j = JSON.parse(run("--json", "--bench-dir", dir, "--gateway-ms", "250").out);
    expect(j.inputs["gateway-ms"]).toEqual({ value: 250, source: "flag" });
    // a plain number of ops is split evenly: 4 -> 2 reads, 2 writes
    expect(j.inputs["fs-reads-per-call"].value).toBe(2);
  });

  test("an unreadable benchmark file is reported on stderr and the built-in default is used", () => {
    const dir = mkdtempSync(join(tmpdir(), "cost-bench-"));
    writeFileSync(join(dir, "gateway.json"), "{ not json");
    const r = run("--json", "--bench-dir", dir);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: .*gateway\.json is unreadable/);
    expect(JSON.parse(r.out).inputs["gateway-ms"].source).toMatch(/built-in default/);
  });
});

describe("bad arguments: a clear message on stderr, nothing on stdout, exit 2", () => {
  test.each([
    [["--mau=-5"], /--mau must be at least 0, got -5/],
    [["--mau", "-5"], /--mau needs a value/],
    [["--mau"], /--mau needs a value/],
    [["--calls-per-user", "ten"], /--calls-per-user needs a number, got "ten"/],
    [["--calls-per-user", ""], /--calls-per-user needs a number/],
    [["--mau", "1e400"], /--mau needs a finite number/],
    [["--bogus", "1"], /unknown flag --bogus/],
    [["--min-instances", "1.5"], /--min-instances must be a whole number/],
    [["--batching-gain", "0"], /--batching-gain must be greater than 0/],
    [["--active-hours", "25"], /--active-hours must be at most 24/],
    [["--supabase-plan", "team"], /--supabase-plan must be "free" or "pro"/],
    [["--gpu-type", "h100"], /--gpu-type must be one of nvidia-l4/],
    [["10000"], /unexpected argument/],
  ])("%j", (args, message) => {
    const r = run(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message as RegExp);
    expect(r.err).toMatch(/--help/);
  });

  test("a broken price file exits 1 and names the problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "cost-prices-"));
    const path = join(dir, "prices.json");
    writeFileSync(path, JSON.stringify({ currency: "USD", entries: {} }));
    const r = run("--prices", path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing entry/);
  });
});
