/**
 * @module cli
 * The admin CLI: plans, users' quotas, credits, bans, the kill switch and the global budget.
 * Uses the Admin SDK, so it works against the emulators (when *_EMULATOR_HOST is set) and against a
 * real project (application-default credentials). Exit codes: 0 done, 1 failed, 2 bad arguments.
 *
 *   npm run admin -- help
 */
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { WINDOWS } from "../core/windows";
import {
  AdminError,
  budgetToday,
  grantCredits,
  listPlans,
  readConfig,
  resetBudget,
  setBanned,
  setDailyBudget,
  setKillSwitch,
  setPlan,
  userReport,
} from "./operations";

const USAGE = `usage: npm run admin -- <command> [arguments] [--project <id>]

  plans                          list plans and their limits
  show <user>                    a user's plan, windows, credits, recent calls and daily rollups
  set-plan <user> <planId>       move a user to a plan
  grant <user> <credits>         add (or, negative, take away) extra calls
  ban <user> | unban <user>      refuse or allow a user's calls
  kill-switch on [message] | off refuse every call (with an optional message) or resume
  budget show | reset | set <n>  today's global calls, reset today's count, or set the daily budget

<user> is a uid or an email address. The project comes from --project, GCLOUD_PROJECT or
GOOGLE_CLOUD_PROJECT; the emulators are used when FIRESTORE_EMULATOR_HOST (and, for emails,
FIREBASE_AUTH_EMULATOR_HOST) are set.`;

class UsageError extends Error {}

/** Prints rows as an aligned table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

function wholeNumber(value: string | undefined, what: string): number {
  if (value === undefined || !/^-?\d+$/.test(value)) throw new UsageError(`${what} must be a whole number, got "${value ?? ""}"`);
  return Number(value);
}

function need(args: string[], count: number, shape: string): void {
  if (args.length !== count) throw new UsageError(`expected: ${shape}`);
}

const limitText = (l?: { calls?: number; units?: number }) =>
  l ? [l.calls !== undefined ? `${l.calls} calls` : "", l.units !== undefined ? `${l.units} units` : ""].filter(Boolean).join(", ") : "-";

/** Splits `--project <id>`, `--help` and positionals; "-5" is a positional (a negative number). */
function parseArgv(argv: string[]): { values: { project?: string; help?: boolean }; positionals: string[] } {
  const values: { project?: string; help?: boolean } = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") values.help = true;
    else if (arg === "--project") {
      values.project = argv[++i];
      if (!values.project) throw new UsageError("--project needs a project id");
    } else if (arg.startsWith("--project=")) values.project = arg.slice("--project=".length);
    else if (arg.startsWith("-") && !/^-\d+$/.test(arg)) throw new UsageError(`unknown option "${arg}"`);
    else positionals.push(arg);
  }
  return { values, positionals };
}

async function run(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgv(argv);
  const [command, ...args] = positionals;
  if (values.help || !command || command === "help") return USAGE;

  const projectId = values.project ?? process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT;
  if (!projectId) throw new UsageError("no project: pass --project <id> or set GCLOUD_PROJECT");
  if (getApps().length === 0) initializeApp({ projectId });
  const db = getFirestore();
  const defaultPlanId = process.env.DEFAULT_PLAN_ID ?? "free";

  const resolveUser = async (user: string | undefined): Promise<string> => {
    if (!user) throw new UsageError("missing <user>");
    if (!user.includes("@")) return user;
    try {
      return (await getAuth().getUserByEmail(user)).uid;
    } catch {
      throw new AdminError(`no user with email ${user}`);
    }
  };

  switch (command) {
    case "plans": {
      need(args, 0, "plans");
      const plans = await listPlans(db);
      if (plans.length === 0) return "no plans: run the seed script or add documents to the plans collection";
      return table(
        ["plan", "access", "in flight", ...WINDOWS.map((w) => `per ${w}`), "problem"],
        plans.map(({ id, plan, problem }) => [
          id + (id === defaultPlanId ? " (default)" : ""),
          plan ? (plan.modelAccess ? "yes" : "no") : "-",
          plan?.maxInFlight ?? "-",
          ...WINDOWS.map((w) => limitText(plan?.limits[w])),
          problem ?? "",
        ]),
      );
    }
    case "show": {
      need(args, 1, "show <user>");
      const uid = await resolveUser(args[0]);
      const r = await userReport(db, uid, defaultPlanId);
      const s = r.status;
      const head = [
        `user ${r.uid}: plan ${r.planId}${r.banned ? ", BANNED" : ""}${r.problem ? `, PROBLEM: ${r.problem}` : ""}`,
        s ? `remaining ${s.remaining ?? "unlimited"} calls, credits ${s.credits}, in flight ${s.inFlight}/${s.maxInFlight}` : "",
      ].filter(Boolean);
      const windows = s
        ? table(
            ["window", "calls", "units", "resets at"],
            s.windows.map((w) => [w.window, `${w.calls.used}/${w.calls.limit ?? "-"}`, `${w.units.used}/${w.units.limit ?? "-"}`, w.resetsAt]),
          )
        : "";
      const days = table(["day", "calls", "units", "refunded"], r.days.map((d) => [d.day, d.calls, d.units, d.refunded]));
      const recent = table(
        ["call", "at", "units", "status", "outcome", "ms"],
        r.recent.map((c) => [c.callId, c.at, c.units, c.status, c.outcome, c.latencyMs ?? ""]),
      );
      return [...head, "", windows, "", "last days", days, "", "recent calls", recent].join("\n");
    }
    case "set-plan": {
      need(args, 2, "set-plan <user> <planId>");
      const uid = await resolveUser(args[0]);
      await setPlan(db, uid, args[1] as string);
      return `user ${uid} is now on plan ${args[1]}`;
    }
    case "grant": {
      need(args, 2, "grant <user> <credits>");
      const uid = await resolveUser(args[0]);
      const total = await grantCredits(db, uid, wholeNumber(args[1], "<credits>"));
      return `user ${uid} now has ${total} credits`;
    }
    case "ban":
    case "unban": {
      need(args, 1, `${command} <user>`);
      const uid = await resolveUser(args[0]);
      await setBanned(db, uid, command === "ban");
      return `user ${uid} is ${command === "ban" ? "banned" : "no longer banned"}`;
    }
    case "kill-switch": {
      const [state, ...message] = args;
      if (state !== "on" && state !== "off") throw new UsageError("expected: kill-switch on [message] | off");
      if (state === "off" && message.length > 0) throw new UsageError("kill-switch off takes no message");
      await setKillSwitch(db, state === "on", message.length ? message.join(" ") : undefined);
      return state === "on"
        ? "kill switch ON: every call is refused (instances notice within CONFIG_CACHE_SECONDS)"
        : "kill switch off: calls are served again";
    }
    case "budget": {
      const [action, value] = args;
      if (action === "show" && args.length === 1) {
        const [{ day, used }, config] = await Promise.all([budgetToday(db), readConfig(db)]);
        const limit = config.dailyBudgetCalls ?? `the GLOBAL_DAILY_BUDGET param (default 10000)`;
        return table(["day", "calls", "budget", "kill switch"], [[day, used, limit, config.killSwitch ? "ON" : "off"]]);
      }
      if (action === "reset" && args.length === 1) return `deleted ${await resetBudget(db)} budget shards: today's count is 0`;
      if (action === "set" && args.length === 2) {
        const calls = wholeNumber(value, "<n>");
        await setDailyBudget(db, calls);
        return `daily budget set to ${calls} calls`;
      }
      throw new UsageError("expected: budget show | reset | set <n>");
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (out) => {
      console.log(out);
      process.exit(0);
    },
    (err: unknown) => {
      const usage = err instanceof UsageError;
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      if (usage) console.error(`\n${USAGE}`);
      process.exit(usage ? 2 : 1);
    },
  );
}
