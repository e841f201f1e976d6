import { type CliDeps, runSecretsCli, type SecretManagerLike, type SecretVersion } from "../../src/admin/secrets";

const PROJECT = "demo-project";
const NAME = `projects/${PROJECT}/secrets/INFERENCE_SECRET`;

/** Secret Manager in memory: secrets, numbered versions with state and creation time, gRPC-like NOT_FOUND. */
class FakeSecretManager implements SecretManagerLike {
  secrets = new Set<string>();
  versions: { name: string; state: string; created: number; data: string }[] = [];
  calls: string[] = [];
  constructor(private readonly nowMs: () => number) {}

  private notFound(): Error {
    return Object.assign(new Error("5 NOT_FOUND: Secret not found"), { code: 5 });
  }
  async getSecret({ name }: { name: string }) {
    this.calls.push("getSecret");
    if (!this.secrets.has(name)) throw this.notFound();
    return [{ name }];
  }
  async createSecret({ parent, secretId }: { parent: string; secretId: string }) {
    this.calls.push("createSecret");
    this.secrets.add(`${parent}/secrets/${secretId}`);
    return [{}];
  }
  async addSecretVersion({ parent, payload }: { parent: string; payload: { data: Buffer } }): Promise<[SecretVersion]> {
    this.calls.push("addSecretVersion");
    if (!this.secrets.has(parent)) throw this.notFound();
    const name = `${parent}/versions/${this.versions.length + 1}`;
    this.versions.push({ name, state: "ENABLED", created: this.nowMs(), data: payload.data.toString("utf8") });
    return [{ name, state: "ENABLED" }];
  }
  async listSecretVersions({ parent }: { parent: string }): Promise<[SecretVersion[]]> {
    this.calls.push("listSecretVersions");
    if (!this.secrets.has(parent)) throw this.notFound();
    // Newest first, as the API lists them.
    return [[...this.versions].reverse().map((v) => ({ name: v.name, state: v.state, createTime: { seconds: String(Math.floor(v.created / 1000)) } }))];
  }
  async disableSecretVersion({ name }: { name: string }) {
    this.calls.push(`disable ${name.split("/").pop()}`);
    const version = this.versions.find((v) => v.name === name);
    if (!version) throw this.notFound();
    version.state = "DISABLED";
    return [{}];
  }
  states(): string[] {
    return this.versions.map((v) => `${v.name.split("/").pop()}:${v.state}`);
  }
}

describe("secrets CLI (Secret Manager faked in memory)", () => {
  let now: number;
  let fake: FakeSecretManager;
  let lines: string[];
  let counter: number;
  let deps: CliDeps;

  beforeEach(() => {
    now = Date.parse("2026-03-01T12:00:00Z");
    fake = new FakeSecretManager(() => now);
    lines = [];
    counter = 0;
    deps = {
      client: fake,
      project: PROJECT,
      out: (line) => lines.push(line),
      now: () => new Date(now),
      newSecret: () => `${++counter}`.repeat(64).slice(0, 64),
    };
  });

  const cli = (...argv: string[]) => runSecretsCli(argv, deps);
  const output = () => lines.join("\n");
  const values = () => fake.versions.map((v) => v.data);

  it("create makes the secret and its first version, and prints what to deploy but never the value", async () => {
    expect(await cli("create", "--region", "europe-west4")).toBe(0);
    expect(fake.secrets.has(NAME)).toBe(true);
    expect(fake.states()).toEqual(["1:ENABLED"]);
    expect(values()[0]).toMatch(/^[0-9a-f]{64}$|^1+$/);
    expect(output()).toContain("--update-secrets INFERENCE_SECRETS=INFERENCE_SECRET:1");
    expect(output()).toContain("firebase deploy --only functions");
    for (const value of values()) expect(output()).not.toContain(value);
  });

  it("create refuses to overwrite an existing secret", async () => {
    await cli("create");
    lines = [];
    expect(await cli("create")).toBe(1);
    expect(output()).toMatch(/already exists/);
    expect(fake.versions).toHaveLength(1);
  });

  it("a full rotation: add, keep both enabled through the window, then disable the old one", async () => {
    await cli("create");
    now += 86_400_000;
    lines = [];
    expect(await cli("rotate", "--service", "model", "--region", "us-central1")).toBe(0);
    expect(fake.states()).toEqual(["1:ENABLED", "2:ENABLED"]);
    expect(values()[1]).not.toEqual(values()[0]);
    expect(output()).toContain(
      "gcloud run services update model --region us-central1 --update-secrets INFERENCE_SECRETS=INFERENCE_SECRET:2,INFERENCE_PREVIOUS_SECRETS=INFERENCE_SECRET:1",
    );
    expect(output()).toContain("--remove-secrets INFERENCE_PREVIOUS_SECRETS");
    for (const value of values()) expect(output()).not.toContain(value);

    // A second rotation before finishing the first is refused: only two versions may be live.
    lines = [];
    expect(await cli("rotate")).toBe(1);
    expect(fake.versions).toHaveLength(2);

    // Inside the window: refused, nothing disabled.
    now += 30 * 60_000;
    lines = [];
    expect(await cli("finish-rotation", "--window-minutes", "60")).toBe(1);
    expect(output()).toMatch(/30 min left/);
    expect(fake.states()).toEqual(["1:ENABLED", "2:ENABLED"]);

    lines = [];
    expect(await cli("status")).toBe(0);
    expect(output()).toMatch(/rotation in progress: versions 1, 2/);

    // After the window: the old version is disabled, the new one stays.
    now += 31 * 60_000;
    lines = [];
    expect(await cli("finish-rotation", "--window-minutes", "60")).toBe(0);
    expect(fake.states()).toEqual(["1:DISABLED", "2:ENABLED"]);
    expect(fake.calls.filter((c) => c.startsWith("disable"))).toEqual(["disable 1"]);
    expect(output()).toMatch(/version 2 is now the only enabled version/);

    lines = [];
    expect(await cli("finish-rotation")).toBe(0);
    expect(output()).toMatch(/nothing to disable/);
    lines = [];
    await cli("status");
    expect(output()).toMatch(/version 1 {2}DISABLED/);
    expect(output()).toMatch(/no rotation in progress/);
  });

  it("--force finishes a rotation inside the window", async () => {
    await cli("create");
    await cli("rotate");
    expect(await cli("finish-rotation", "--force")).toBe(0);
    expect(fake.states()).toEqual(["1:DISABLED", "2:ENABLED"]);
  });

  it("rotate and status on a missing secret say to create it", async () => {
    await expect(cli("rotate")).rejects.toMatchObject({ code: 5 });
    expect(await cli("status")).toBe(1);
    expect(output()).toMatch(/secrets create/);
  });

  it.each([[[]], [["bogus"]], [["rotate", "--window-minutes"]], [["rotate", "--nope"]], [["status", "--secret", "bad/name"]]])(
    "rejects bad usage %j",
    async (argv) => {
      expect(await runSecretsCli(argv as string[], deps)).toBe(2);
      expect(output()).toMatch(/usage: secrets/);
      expect(fake.calls).toEqual([]);
    },
  );
});
