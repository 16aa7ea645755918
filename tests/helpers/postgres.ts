/**
 * A throwaway PostgreSQL server on loopback for tests and campaigns that keep Pulumi state in
 * Pulumi's PostgreSQL backend (`postgres://…`), as teams that share one backend between CI runners do.
 *
 * - **Programs.** PostgreSQL's server programs come from `SP_POSTGRES_BIN`, or else from the newest
 *   `/usr/lib/postgresql/<major>/bin` (Debian's layout). When there are none and this process is root
 *   on a machine with apt (as `.ci/run` is on a fresh CI machine), Debian's `postgresql-15` is
 *   installed with `apt-get`, without starting a server of its own (see {@link installPostgres}).
 * - **User.** `initdb` refuses to run as root, so as root the server runs as the `postgres` user
 *   (`runuser`), in a temporary folder that user owns; otherwise as the current user.
 * - **Network and authentication.** The server listens on 127.0.0.1 only, on a free port (PostgreSQL
 *   cannot take port 0: a port the OS just handed out is used, and another one is tried when it was
 *   taken meanwhile), without Unix sockets, and asks for a password (`scram-sha-256`): a random one,
 *   which the CLI gets as `PGPASSWORD` while the backend URL carries none. That is the form the
 *   README recommends (`pulumi login postgres://user:password@…` prints the password), so the tests
 *   check it, and no other local user can write to the state while a test runs, as a `trust` setup
 *   would allow.
 * - **Lifetime.** A small shell script owns the server: it starts it, says `ready` once the server's
 *   own `postmaster.pid` says so, then waits for its standard input to close and stops the server
 *   (fast shutdown) and removes the folder. The test process holds the other end of that pipe, so the
 *   server stops when the test calls {@link PostgresServer.stop}, and also when the test process ends
 *   in any way (a failure, SIGINT, even SIGKILL). The script, `runuser` and the server carry the
 *   e2e run's marker (`SP_E2E_RUN_ID`, checked by the suite's root hook) and their own
 *   (`SP_POSTGRES_SERVER`). The server's own children overwrite their environment with their
 *   process titles, so they are found as descendants of the server ({@link PostgresServer.processes});
 *   they exit when it does.
 * - **Speed.** `initdb --no-sync` and `fsync=off`: a test server that is never crashed needs no
 *   durability of its own (what the tests kill is the CLI, not the database). It starts in about 1 s.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  E2E_RUN_ID,
  E2E_RUN_ID_VAR,
  killAll,
  liveParent,
  type ProcessInfo,
  processesWithEnv,
} from "./processes";

/** The Debian package installed when no PostgreSQL server programs are found. */
export const POSTGRES_PACKAGE = "postgresql-15";
/** Where Debian installs each major version's programs: `<root>/<major>/bin`. */
export const POSTGRES_LIB = "/usr/lib/postgresql";
/** The variable that points at a folder holding `initdb`, `postgres` and `pg_isready` instead. */
export const POSTGRES_BIN_VAR = "SP_POSTGRES_BIN";
/** The marker variable every process of one server carries, with the server's id. */
export const POSTGRES_SERVER_VAR = "SP_POSTGRES_SERVER";
/** postgresql-common's settings for new clusters; `create_main_cluster` is read from it. */
export const CREATECLUSTER_CONF = "/etc/postgresql-common/createcluster.conf";

/** The programs a server needs. */
const PROGRAMS = ["initdb", "postgres", "pg_isready", "psql"] as const;
/** The database role the tests connect as (the cluster's superuser). */
const ROLE = "pulumi";
/** The database the state tables live in (the one `initdb` creates). */
const DATABASE = "postgres";
/** How long a server may take to accept connections (initdb included) on a loaded machine. */
const START_TIMEOUT_MS = 120_000;
/** PostgreSQL's limit on an identifier's length, in bytes. */
const MAX_IDENTIFIER = 63;

/** What {@link planPostgres} decides from. */
export interface PostgresProbe {
  /** `SP_POSTGRES_BIN`, when set, and whether it holds every program. */
  envBin?: { dir: string; complete: boolean };
  /** The major versions under {@link POSTGRES_LIB} whose `bin` folder holds every program. */
  installedMajors: number[];
  isRoot: boolean;
  /** Whether `apt-get` is on PATH. */
  hasApt: boolean;
  /** Whether a `postgres` user exists (the one the server runs as, for root). */
  hasPostgresUser: boolean;
  /** Whether `runuser` is on PATH. */
  hasRunuser: boolean;
}

/** Who runs `initdb` and the server. */
export type RunAs = "postgres" | "self";

/** What to do to get a server's programs. */
export type PostgresPlan =
  | { action: "use"; binDir: string; runAs: RunAs }
  | { action: "install"; package: string; binDir: string; runAs: RunAs }
  | { action: "fail"; message: string };

/**
 * Decides where the server's programs come from: `SP_POSTGRES_BIN`, else the newest installed
 * major version, else (root with apt) an install of {@link POSTGRES_PACKAGE}, else a failure that
 * says what to do. As root, the server must run as `postgres` (initdb refuses root), through `runuser`.
 */
export function planPostgres(p: PostgresProbe): PostgresPlan {
  const runAs: RunAs = p.isRoot ? "postgres" : "self";
  const asRoot = (binDir: string, install: boolean): PostgresPlan => {
    if (!p.hasRunuser) {
      return {
        action: "fail",
        message:
          "PostgreSQL's initdb refuses to run as root, and runuser (util-linux), which the tests run it as the postgres user with, is not on PATH",
      };
    }
    if (!install && !p.hasPostgresUser) {
      return {
        action: "fail",
        message: `PostgreSQL's initdb refuses to run as root, and there is no postgres user to run it as (${binDir}): create one (adduser --system --group postgres), or run the tests as another user`,
      };
    }
    return install
      ? { action: "install", package: POSTGRES_PACKAGE, binDir, runAs }
      : { action: "use", binDir, runAs };
  };
  if (p.envBin) {
    if (!p.envBin.complete) {
      return {
        action: "fail",
        message: `${POSTGRES_BIN_VAR}=${p.envBin.dir} does not hold ${PROGRAMS.join(", ")}: point it at the folder of PostgreSQL's initdb`,
      };
    }
    return p.isRoot ? asRoot(p.envBin.dir, false) : { action: "use", binDir: p.envBin.dir, runAs };
  }
  const newest = [...p.installedMajors].sort((a, b) => b - a)[0];
  if (newest !== undefined) {
    const binDir = path.posix.join(POSTGRES_LIB, String(newest), "bin");
    return p.isRoot ? asRoot(binDir, false) : { action: "use", binDir, runAs };
  }
  const target = path.posix.join(POSTGRES_LIB, POSTGRES_PACKAGE.replace(/^postgresql-/, ""), "bin");
  if (p.isRoot && p.hasApt) return asRoot(target, true);
  const missing = `PostgreSQL's server programs (${PROGRAMS.join(", ")}) were not found in ${POSTGRES_LIB}/<major>/bin`;
  const otherwise = `or set ${POSTGRES_BIN_VAR} to the folder that holds them`;
  return {
    action: "fail",
    message: p.isRoot
      ? `${missing}, and apt-get, which the tests install ${POSTGRES_PACKAGE} with as root, is not on PATH: install PostgreSQL's server, ${otherwise}`
      : `${missing}; the tests install ${POSTGRES_PACKAGE} only as root: run sudo apt-get install ${POSTGRES_PACKAGE}, ${otherwise}`,
  };
}

/** Whether apt's output says its package lists do not know the package (then `apt-get update` first). */
export function needsAptUpdate(aptOutput: string): boolean {
  return /Unable to locate package|has no installation candidate|is not available, but is referred to/.test(
    aptOutput,
  );
}

/** Whether a server's log says its port was taken (then the start is retried on another port). */
export function portWasTaken(serverLog: string): boolean {
  return /could not bind IPv4 address .*Address already in use|could not create any TCP\/IP sockets/.test(
    serverLog,
  );
}

/** The parts of a PostgreSQL backend URL; there is no password: the CLI gets it as `PGPASSWORD`. */
export interface BackendUrlParts {
  host: string;
  port: number;
  user: string;
  database: string;
  /** The state table, one per test (Pulumi creates it on first use). @default "pulumi_state" */
  table?: string;
  /** libpq's `sslmode`: `disable` for a loopback server without TLS, `verify-full` for a real one. */
  sslmode: "disable" | "require" | "verify-ca" | "verify-full";
}

/**
 * `postgres://user@host:port/database?sslmode=…&table=…`, the backend URL of Pulumi's PostgreSQL
 * backend, without a password. The table name goes into Pulumi's SQL unquoted, so it must be a
 * plain lower-case identifier.
 * @throws Error when the table name is not one, or the port is not a TCP port.
 */
export function postgresBackendUrl(p: BackendUrlParts): string {
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65_535)
    throw new Error(`port ${p.port} is not a TCP port`);
  if (p.table !== undefined) assertTableName(p.table);
  const query = new URLSearchParams({ sslmode: p.sslmode });
  if (p.table !== undefined) query.set("table", p.table);
  const host = net.isIPv6(p.host) ? `[${p.host}]` : p.host;
  return `postgres://${encodeURIComponent(p.user)}@${host}:${p.port}/${encodeURIComponent(p.database)}?${query}`;
}

function assertTableName(table: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(table) || table.length > MAX_IDENTIFIER) {
    throw new Error(
      `table ${JSON.stringify(table)} is not a plain PostgreSQL identifier (a-z, 0-9 and _, not starting with a digit, at most ${MAX_IDENTIFIER} characters)`,
    );
  }
}

/**
 * A state table name of its own for a test: `sp_<label>_<8 hex>`, the label lower-cased, every run
 * of other characters made one `_`, and shortened to fit PostgreSQL's 63-character identifiers.
 */
export function tableName(label: string, suffix = randomBytes(4).toString("hex")): string {
  const tail = `_${suffix}`;
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, MAX_IDENTIFIER - "sp_".length - tail.length)
    .replace(/_+$/, "");
  const name = `sp_${slug || "t"}${tail}`;
  assertTableName(name);
  return name;
}

/** A port that was free on 127.0.0.1 a moment ago (the OS's choice for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const onPath = (program: string): boolean =>
  (process.env.PATH ?? "")
    .split(path.delimiter)
    .some((d) => d !== "" && fs.existsSync(path.join(d, program)));

const holdsPrograms = (dir: string): boolean => PROGRAMS.every((p) => fs.existsSync(path.join(dir, p)));

/** What this machine has, for {@link planPostgres}. */
export function probePostgres(env: NodeJS.ProcessEnv = process.env): PostgresProbe {
  const envDir = env[POSTGRES_BIN_VAR];
  let installedMajors: number[] = [];
  try {
    installedMajors = fs
      .readdirSync(POSTGRES_LIB)
      .filter((d) => /^\d+$/.test(d) && holdsPrograms(path.join(POSTGRES_LIB, d, "bin")))
      .map(Number);
  } catch {
    // no such folder
  }
  let hasPostgresUser = false;
  try {
    execFileSync("id", ["-u", "postgres"], { stdio: "ignore" });
    hasPostgresUser = true;
  } catch {
    hasPostgresUser = false;
  }
  return {
    ...(envDir ? { envBin: { dir: envDir, complete: holdsPrograms(envDir) } } : {}),
    installedMajors,
    isRoot: process.getuid?.() === 0,
    hasApt: onPath("apt-get"),
    hasPostgresUser,
    hasRunuser: onPath("runuser"),
  };
}

/**
 * Installs {@link POSTGRES_PACKAGE} with apt, non-interactively, waiting for apt's lock, without
 * recommended packages; runs `apt-get update` first only when apt does not know the package. Before
 * postgresql-common is installed, its `createcluster.conf` is written with
 * `create_main_cluster = false` (and kept: `UCF_FORCE_CONFFOLD`), so that the package creates and
 * starts no default cluster of its own on port 5432: the tests start their own servers.
 */
export function installPostgres(pkg: string, log: (line: string) => void): void {
  const started = Date.now();
  log(`PostgreSQL: no server programs found; installing ${pkg} with apt-get (about 30 s)`);
  if (!fs.existsSync(CREATECLUSTER_CONF)) {
    fs.mkdirSync(path.dirname(CREATECLUSTER_CONF), { recursive: true });
    fs.writeFileSync(
      CREATECLUSTER_CONF,
      "# Written by pulumi-scrapingpros' tests before installing PostgreSQL: no default cluster.\ncreate_main_cluster = false\n",
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive", UCF_FORCE_CONFFOLD: "1" };
  const apt = (args: string[]): string => {
    try {
      return execFileSync("apt-get", args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      const output = `${err.stdout ?? ""}${err.stderr ?? ""}`;
      throw Object.assign(new Error(`apt-get ${args.join(" ")} failed:\n${output.slice(-3000)}`), { output });
    }
  };
  const install = [
    "install",
    "-y",
    "--no-install-recommends",
    "-o",
    "DPkg::Lock::Timeout=300",
    "-o",
    "Dpkg::Options::=--force-confold",
    pkg,
  ];
  try {
    apt(install);
  } catch (e) {
    if (!needsAptUpdate((e as { output?: string }).output ?? "")) throw e;
    log("PostgreSQL: apt does not know the package yet; running apt-get update first");
    apt(["update", "-o", "DPkg::Lock::Timeout=300"]);
    apt(install);
  }
  log(`PostgreSQL: installed ${pkg} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

let programs: { binDir: string; runAs: RunAs } | undefined;

/**
 * The server's programs and who runs them, installing them first when {@link planPostgres} says so
 * (once per process).
 * @throws Error with what to do when there are none and they cannot be installed.
 */
export function ensurePostgres(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): {
  binDir: string;
  runAs: RunAs;
} {
  if (programs) return programs;
  const plan = planPostgres(probePostgres());
  if (plan.action === "fail") throw new Error(plan.message);
  if (plan.action === "install") {
    installPostgres(plan.package, log);
    if (!holdsPrograms(plan.binDir))
      throw new Error(`apt installed ${plan.package}, but ${plan.binDir} lacks ${PROGRAMS.join(", ")}`);
  }
  programs = { binDir: plan.binDir, runAs: plan.runAs };
  return programs;
}

/**
 * The script that owns one server. Arguments: the programs' folder, the server's folder, the port.
 * Prints `ready` once the server accepts connections (its own postmaster.pid says so: another
 * server that took the port meanwhile would answer pg_isready), or exits non-zero. Then waits for
 * its standard input to close, stops the server (SIGINT: fast shutdown) and removes the folder.
 */
const WATCHDOG = `
set -u
bin=$1 root=$2 port=$3
if [ ! -f "$root/data/PG_VERSION" ]; then
  "$bin/initdb" -D "$root/data" -U ${ROLE} --auth=scram-sha-256 --pwfile="$root/password" \\
    --no-sync --encoding=UTF8 --locale=C >"$root/initdb.log" 2>&1 || { echo initdb-failed; exit 3; }
  rm -f "$root/password"
fi
"$bin/postgres" -D "$root/data" -p "$port" -c listen_addresses=127.0.0.1 -c unix_socket_directories= \\
  -c fsync=off -c full_page_writes=off -c max_connections=200 >"$root/server.log" 2>&1 &
pg=$!
until [ "$(sed -n 8p "$root/data/postmaster.pid" 2>/dev/null | tr -d ' ')" = ready ]; do
  kill -0 "$pg" 2>/dev/null || { wait "$pg"; echo exited; exit 2; }
  sleep 0.05
done
echo ready
read -r _ || :
kill -INT "$pg" 2>/dev/null
wait "$pg"
rm -rf "$root"
`;

/** A running throwaway server. */
export interface PostgresServer {
  /** Always 127.0.0.1. */
  readonly host: string;
  readonly port: number;
  /** The database role to connect as. */
  readonly user: string;
  /** The database the state tables live in. */
  readonly database: string;
  /** The role's password: give it to the CLI as `PGPASSWORD`, never in the URL. */
  readonly password: string;
  /** This server's value of {@link POSTGRES_SERVER_VAR}. */
  readonly id: string;
  /** Its temporary folder (data and log), removed when it stops. */
  readonly dir: string;
  /** The backend URL of a state table (see {@link tableName}), without a password. */
  url(table: string): string;
  /** The CLI's environment for a state table: `PULUMI_BACKEND_URL` and `PGPASSWORD`. */
  backendEnv(table: string): { PULUMI_BACKEND_URL: string; PGPASSWORD: string };
  /** Runs one SQL statement with psql; the rows, each a list of fields. */
  query(sql: string): Promise<string[][]>;
  /** The live processes of this server: the script, runuser, the server and the server's children. */
  processes(): ProcessInfo[];
  /** Stops the server and removes its folder; kills what is left after 30 s. */
  stop(): Promise<void>;
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Where the ports come from, one per attempt. @default {@link freePort} */
  ports?: () => Promise<number>;
  /** Attempts when a port turns out to be taken. @default 5 */
  attempts?: number;
  log?: (line: string) => void;
}

const execFileAsync = promisify(execFile);

/** Every live process whose parent chain reaches one of `roots` (the roots excluded). */
function descendants(roots: Set<number>): ProcessInfo[] {
  const all: ProcessInfo[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ppid = liveParent(pid);
    if (ppid === undefined) continue;
    let cmdline = "";
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    } catch {
      continue;
    }
    all.push({ pid, ppid, cmdline });
  }
  const found: ProcessInfo[] = [];
  const seen = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!seen.has(p.pid) && seen.has(p.ppid)) {
        seen.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

/**
 * Starts a throwaway server (installing PostgreSQL first when {@link ensurePostgres} says so) and
 * waits until it accepts connections.
 * @throws Error with the server's log when it does not start, or every port tried was taken.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { binDir, runAs } = ensurePostgres(log);
  const id = randomUUID();
  const password = randomBytes(18).toString("base64url");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sp-postgres-"));
  fs.writeFileSync(path.join(root, "password"), `${password}\n`, { mode: 0o600 });
  // sh keeps the script open while it runs, so removing the folder at the end does not cut it short.
  const script = path.join(root, "watchdog.sh");
  fs.writeFileSync(script, WATCHDOG, { mode: 0o644 });
  if (runAs === "postgres") {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    fs.chownSync(root, uid, gid);
    fs.chownSync(path.join(root, "password"), uid, gid);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: "C.UTF-8",
    [E2E_RUN_ID_VAR]: E2E_RUN_ID,
    [POSTGRES_SERVER_VAR]: id,
  };
  const attempts = options.attempts ?? 5;
  const ports = options.ports ?? freePort;
  let failure = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = await ports();
    const command = runAs === "postgres" ? "runuser" : "sh";
    const args = [
      ...(runAs === "postgres" ? ["-u", "postgres", "--", "sh"] : []),
      script,
      binDir,
      root,
      String(port),
    ];
    // Its own session: a Ctrl-C at a terminal reaches the test process, whose exit then stops the server.
    const child = spawn(command, args, { env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    const outcome = await new Promise<"ready" | "failed" | "timeout">((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), START_TIMEOUT_MS);
      const settle = (o: "ready" | "failed") => {
        clearTimeout(timer);
        resolve(o);
      };
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (/^ready$/m.test(out)) settle("ready");
      });
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.once("exit", () => settle("failed"));
      child.once("error", (e) => {
        stderr += String(e);
        settle("failed");
      });
    });
    if (outcome === "ready") return running(child, { id, port, password, root, binDir });
    if (outcome === "timeout") killAll(processesWithEnv(POSTGRES_SERVER_VAR, id));
    const serverLog = readIfAny(path.join(root, "server.log"));
    failure =
      `${outcome === "timeout" ? `not ready after ${START_TIMEOUT_MS / 1000} s\n` : ""}` +
      `${stderr}${readIfAny(path.join(root, "initdb.log"))}${serverLog}`;
    if (!portWasTaken(serverLog)) break;
    if (attempt < attempts) {
      log(
        `PostgreSQL: port ${port} was taken meanwhile; trying another (attempt ${attempt + 1} of ${attempts})`,
      );
    }
  }
  killAll(processesWithEnv(POSTGRES_SERVER_VAR, id));
  fs.rmSync(root, { recursive: true, force: true });
  throw new Error(`PostgreSQL did not start (${binDir}, as ${runAs}):\n${failure.slice(-4000)}`);
}

function readIfAny(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function running(
  child: ChildProcess,
  s: { id: string; port: number; password: string; root: string; binDir: string },
): PostgresServer {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const processes = (): ProcessInfo[] => {
    const marked = processesWithEnv(POSTGRES_SERVER_VAR, s.id);
    return [...marked, ...descendants(new Set(marked.map((p) => p.pid)))];
  };
  const url = (table: string): string =>
    postgresBackendUrl({
      host: "127.0.0.1",
      port: s.port,
      user: ROLE,
      database: DATABASE,
      table,
      sslmode: "disable",
    });
  return {
    host: "127.0.0.1",
    port: s.port,
    user: ROLE,
    database: DATABASE,
    password: s.password,
    id: s.id,
    dir: s.root,
    url,
    backendEnv: (table) => ({ PULUMI_BACKEND_URL: url(table), PGPASSWORD: s.password }),
    async query(sql) {
      const { stdout } = await execFileAsync(
        path.join(s.binDir, "psql"),
        [
          "-h",
          "127.0.0.1",
          "-p",
          String(s.port),
          "-U",
          ROLE,
          "-d",
          DATABASE,
          "-X",
          "-A",
          "-t",
          "-F",
          "\t",
          "-v",
          "ON_ERROR_STOP=1",
          "-c",
          sql,
        ],
        { env: { PATH: process.env.PATH, PGPASSWORD: s.password, PGCONNECT_TIMEOUT: "10" } },
      );
      return stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.split("\t"));
    },
    processes,
    async stop() {
      child.stdin?.end();
      const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 30_000).unref());
      if ((await Promise.race([exited, timer])) === "timeout") {
        killAll(processes());
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      }
      fs.rmSync(s.root, { recursive: true, force: true });
    },
  };
}
