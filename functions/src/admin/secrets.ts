/**
 * @module secrets
 * Creates and rotates the shared secret between the gateway and the inference container in Secret
 * Manager, without downtime, and prints what to redeploy at each step. It never prints a secret.
 *
 *   node functions/lib/admin/secrets.js status           [--project P] [--secret INFERENCE_SECRET]
 *   node functions/lib/admin/secrets.js create           (version 1: 32 random bytes, hex)
 *   node functions/lib/admin/secrets.js rotate           (adds version N+1; N stays enabled)
 *   node functions/lib/admin/secrets.js finish-rotation  [--window-minutes 60] [--force]   (disables N)
 *
 * The secret is the one the function already binds (`defineSecret("INFERENCE_SECRET")`). During a
 * rotation the container accepts both versions (INFERENCE_SECRETS = new, INFERENCE_PREVIOUS_SECRETS
 * = old), the gateway is redeployed onto the new one, and only after the rotation window (every
 * old function instance gone) is the old version dropped from the container and disabled.
 * Application-default credentials with Secret Manager Admin on the project are needed.
 */

export interface SecretVersion {
  name?: string | null;
  /** A name ("ENABLED"), or the enum's number where a client decodes enums as numbers (1 = ENABLED). */
  state?: string | number | null;
  createTime?: { seconds?: number | string | { toString(): string } | null } | null;
}

/** The calls used from `SecretManagerServiceClient` (so tests can pass an in-memory fake). */
export interface SecretManagerLike {
  getSecret(request: { name: string }): Promise<unknown>;
  createSecret(request: {
    parent: string;
    secretId: string;
    secret: { replication: { automatic: Record<string, never> }; labels?: Record<string, string> };
  }): Promise<unknown>;
  addSecretVersion(request: { parent: string; payload: { data: Buffer } }): Promise<[SecretVersion, ...unknown[]]>;
  listSecretVersions(request: { parent: string }): Promise<[SecretVersion[], ...unknown[]]>;
  disableSecretVersion(request: { name: string }): Promise<unknown>;
}

export interface CliDeps {
  client: SecretManagerLike;
  project: string;
  out: (line: string) => void;
  now: () => Date;
  /** The new secret's value: 32 random bytes as hex, in production. */
  newSecret: () => string;
}

const USAGE = "usage: secrets <status|create|rotate|finish-rotation> [--project P] [--secret NAME] [--service inference] [--region R] [--window-minutes 60] [--force]";

interface Args {
  command: string;
  secret: string;
  service: string;
  region: string;
  windowMinutes: number;
  force: boolean;
  project?: string;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { command: argv[0] ?? "", secret: "INFERENCE_SECRET", service: "inference", region: "<region>", windowMinutes: 60, force: false };
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === "--secret") args.secret = value();
    else if (flag === "--service") args.service = value();
    else if (flag === "--region") args.region = value();
    else if (flag === "--project") args.project = value();
    else if (flag === "--window-minutes") {
      args.windowMinutes = Number(value());
      if (!Number.isFinite(args.windowMinutes) || args.windowMinutes < 0) throw new Error("--window-minutes must be a number >= 0");
    } else if (flag === "--force") args.force = true;
    else throw new Error(`unknown option ${flag}`);
  }
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(args.secret)) throw new Error("--secret must be a Secret Manager secret id");
  return args;
}

function versionNumber(version: SecretVersion): number {
  return Number((version.name ?? "").split("/").pop());
}

function createdMs(version: SecretVersion): number {
  const seconds = version.createTime?.seconds;
  return seconds === undefined || seconds === null ? 0 : Number(seconds.toString()) * 1000;
}

async function enabledVersions(client: SecretManagerLike, secretName: string): Promise<SecretVersion[]> {
  const [versions] = await client.listSecretVersions({ parent: secretName });
  return versions.filter(isEnabled).sort((a, b) => versionNumber(a) - versionNumber(b));
}

function isEnabled(version: SecretVersion): boolean {
  return version.state === "ENABLED" || version.state === 1;
}

const STATE_NAMES: Record<number, string> = { 0: "STATE_UNSPECIFIED", 1: "ENABLED", 2: "DISABLED", 3: "DESTROYED" };

function stateName(version: SecretVersion): string {
  return typeof version.state === "number" ? (STATE_NAMES[version.state] ?? String(version.state)) : (version.state ?? "?");
}

function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === 5;
}

/** Runs one command; returns the process exit code. Output is plain lines for a terminal. */
export async function runSecretsCli(argv: string[], deps: CliDeps): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    deps.out(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { client, out } = deps;
  const secretName = `projects/${deps.project}/secrets/${args.secret}`;
  const run = `gcloud run services update ${args.service} --region ${args.region}`;

  switch (args.command) {
    case "status": {
      let versions: SecretVersion[];
      try {
        [versions] = await client.listSecretVersions({ parent: secretName });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        out(`${args.secret} does not exist in ${deps.project}; run: secrets create`);
        return 1;
      }
      const sorted = [...versions].sort((a, b) => versionNumber(a) - versionNumber(b));
      for (const v of sorted) {
        const created = createdMs(v) ? new Date(createdMs(v)).toISOString() : "?";
        out(`version ${versionNumber(v)}  ${stateName(v)}  created ${created}`);
      }
      const enabled = sorted.filter(isEnabled);
      out(enabled.length > 1
        ? `rotation in progress: versions ${enabled.map(versionNumber).join(", ")} are enabled; finish with: secrets finish-rotation`
        : "no rotation in progress");
      return 0;
    }

    case "create": {
      try {
        await client.getSecret({ name: secretName });
        out(`${args.secret} already exists in ${deps.project}; to change its value run: secrets rotate`);
        return 1;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await client.createSecret({
        parent: `projects/${deps.project}`,
        secretId: args.secret,
        secret: { replication: { automatic: {} }, labels: { purpose: "inference-gateway" } },
      });
      const [version] = await client.addSecretVersion({ parent: secretName, payload: { data: Buffer.from(deps.newSecret(), "utf8") } });
      const n = versionNumber(version);
      out(`created ${args.secret} version ${n} (the value is never printed)`);
      out("deploy both sides onto it:");
      out(`  1. container: ${run} --update-secrets INFERENCE_SECRETS=${args.secret}:${n}`);
      out("  2. gateway:   firebase deploy --only functions   (binds the latest version of the secret)");
      return 0;
    }

    case "rotate": {
      const enabled = await enabledVersions(client, secretName);
      if (enabled.length === 0) {
        out(`${args.secret} has no enabled version; run: secrets create (or enable one in the console)`);
        return 1;
      }
      if (enabled.length > 1) {
        out(`a rotation is already in progress (versions ${enabled.map(versionNumber).join(", ")} enabled); run: secrets finish-rotation`);
        return 1;
      }
      const old = versionNumber(enabled[0] as SecretVersion);
      const [version] = await client.addSecretVersion({ parent: secretName, payload: { data: Buffer.from(deps.newSecret(), "utf8") } });
      const n = versionNumber(version);
      out(`added ${args.secret} version ${n}; version ${old} stays enabled (values are never printed)`);
      out("now, in this order:");
      out(`  1. container accepts both: ${run} --update-secrets INFERENCE_SECRETS=${args.secret}:${n},INFERENCE_PREVIOUS_SECRETS=${args.secret}:${old}`);
      out("  2. gateway sends the new one: firebase deploy --only functions");
      out(`  3. wait the rotation window (${args.windowMinutes} min: old function instances finish their calls and go)`);
      out(`  4. container drops the old one: ${run} --update-secrets INFERENCE_SECRETS=${args.secret}:${n} --remove-secrets INFERENCE_PREVIOUS_SECRETS`);
      out(`  5. secrets finish-rotation   (disables version ${old})`);
      return 0;
    }

    case "finish-rotation": {
      const enabled = await enabledVersions(client, secretName);
      if (enabled.length <= 1) {
        out("no rotation in progress: nothing to disable");
        return 0;
      }
      const newest = enabled[enabled.length - 1] as SecretVersion;
      const ageMs = deps.now().getTime() - createdMs(newest);
      const windowMs = args.windowMinutes * 60_000;
      if (ageMs < windowMs && !args.force) {
        out(`the rotation window is not over: version ${versionNumber(newest)} is ${Math.floor(ageMs / 60_000)} min old, ` +
          `the window is ${args.windowMinutes} min (${Math.ceil((windowMs - ageMs) / 60_000)} min left; --force to skip)`);
        return 1;
      }
      for (const version of enabled.slice(0, -1)) {
        await client.disableSecretVersion({ name: version.name as string });
        out(`disabled ${args.secret} version ${versionNumber(version)}`);
      }
      out(`${args.secret} version ${versionNumber(newest)} is now the only enabled version.`);
      out(`the container must already run without the old one (step 4 of rotate): ${run} --update-secrets INFERENCE_SECRETS=${args.secret}:${versionNumber(newest)} --remove-secrets INFERENCE_PREVIOUS_SECRETS`);
      return 0;
    }

    default:
      out(USAGE);
      return 2;
  }
}

async function main(): Promise<void> {
  const { randomBytes } = await import("node:crypto");
  const { SecretManagerServiceClient } = await import("@google-cloud/secret-manager");
  const argv = process.argv.slice(2);
  const project = parseArgs(argv).project ?? process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT;
  if (!project) {
    console.error("set --project or GCLOUD_PROJECT");
    process.exit(2);
  }
  const code = await runSecretsCli(argv, {
    client: new SecretManagerServiceClient(),
    project,
    out: (line) => console.log(line),
    now: () => new Date(),
    newSecret: () => randomBytes(32).toString("hex"),
  });
  process.exit(code);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    // The client's errors name the resource and the permission, never a secret value.
    console.error(`secrets: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
