/**
 * Two runners on one stack whose state is in a shared PostgreSQL backend (README, Teams and CI): two
 * checkouts of the per-stage example, each with its own working copy and `PULUMI_HOME`, the backend
 * given as `PULUMI_BACKEND_URL` without a password and the password as `PGPASSWORD`. The stack's
 * `Pulumi.dev.yaml` goes from one checkout to the other as a commit would carry it. Statements of the
 * README's section are checked here: what to commit, the lock two concurrent `up`s meet, `pulumi
 * cancel` after a killed CLI, no state sidecar, and where the password does and does not show.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { keyForms } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import { ExampleProject } from "../helpers/example-project";
import { type PostgresServer, startPostgres, tableName } from "../helpers/postgres";
import { type CliResult, spawnPulumi } from "../helpers/pulumi";

const STACK = "dev";
const CONFIG_FILE = `Pulumi.${STACK}.yaml`;
const UP = ["up", "--stack", STACK, "--yes", "--skip-preview"];
/** What the backend says when another CLI holds the stack's lock. */
const LOCKED =
  /the stack is currently locked by 1 lock\(s\)\. Either wait for the other process\(es\) to end or delete the lock file with `pulumi cancel`\./;

/** Polls until `predicate` holds. */
async function waitFor(what: string, predicate: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("e2e: two runners on one stack in a shared PostgreSQL backend (README, Teams and CI)", function () {
  // The first start on a fresh machine installs PostgreSQL with apt.
  this.timeout(600_000);
  let server: PostgresServer;
  let emu: RunningEmulator;
  let table: string;
  /** The runner that creates the stack, and a second checkout of the same repository. */
  let first: ExampleProject;
  let second: ExampleProject;

  /** A checkout of the per-stage example using the shared backend. */
  const checkout = (committedStackFiles: boolean): ExampleProject => {
    const p = new ExampleProject("per-stage", committedStackFiles);
    Object.assign(p.env, server.backendEnv(table));
    return p;
  };
  /** Carries the stack's config file from one checkout to the other, as a commit and a pull do. */
  const commit = (from: ExampleProject, to: ExampleProject): void => {
    fs.copyFileSync(from.file(CONFIG_FILE), to.file(CONFIG_FILE));
  };
  const setPages = (p: ExampleProject, n: number) =>
    p.ok(["config", "set", "--stack", STACK, "per-stage:pagesPerSite", String(n)]);
  const catalog = () => {
    const all = emu.collections();
    assert.equal(all.length, 1, `one collection in the account: ${all.map((c) => c.name).join(", ")}`);
    assert.equal(all[0]?.name, `catalog-${STACK}`);
    return all[0] as NonNullable<(typeof all)[0]>;
  };
  /** Keys of the backend's rows under a prefix (the state table holds one row per file of a file backend). */
  const keys = async (like = "%"): Promise<string[]> =>
    (await server.query(`SELECT key FROM ${table} WHERE key LIKE '${like}' ORDER BY key`)).map(
      (r) => r[0] ?? "",
    );
  /** Starts `pulumi up` in a checkout with the collection's next PUT held by the emulator, and waits for it. */
  const upHeldAtPut = async (p: ExampleProject) => {
    const seen = Math.max(0, ...emu.requests().map((r) => r.seq));
    emu.addFault({ method: "PUT", path: `/v1/async/collections/${catalog().id}`, action: "hold", times: 1 });
    const up = spawnPulumi(UP, p.projectDir, p.env, p.transcript);
    await waitFor("the held PUT", () =>
      emu.requests().some((r) => r.seq > seen && r.method === "PUT" && r.fault === "hold"),
    );
    return up;
  };
  const cliOutput = (r: CliResult) => r.stdout + r.stderr;

  before(async () => {
    server = await startPostgres();
    emu = await startTestEmulator();
    table = tableName("shared backend");
    first = checkout(true);
    second = checkout(false);
  });

  after(async () => {
    for (const p of [first, second]) p?.dispose();
    emu?.release();
    await emu?.stop();
    const id = server?.id;
    await server?.stop();
    if (id) assert.deepEqual(server.processes(), [], "the PostgreSQL server stopped");
  });

  it("a second checkout with the committed Pulumi.dev.yaml and the passphrase previews the stack clean, calling nothing, and deploys it", async () => {
    await first.init(STACK, emu);
    await first.up(STACK);
    assert.equal(catalog().requests.length, 2);
    // What the team commits: the stage's config, the API key encrypted, and the salt it was encrypted with.
    const committed = fs.readFileSync(first.file(CONFIG_FILE), "utf8");
    assert.match(committed, /^encryptionsalt: v1:/m);
    assert.match(committed, /scrapingpros:apiKey:\n\s+secure: v1:/);
    assert.equal(committed.includes(TEST_KEY), false);

    // Without the file the second checkout has the state but not the config: it stops before any call.
    let calls = emu.requests().length;
    const bare = await second.run(["preview", "--stack", STACK]);
    assert.notEqual(bare.code, 0);
    assert.match(cliOutput(bare), /Missing required configuration variable 'per-stage:sites'/);
    assert.equal(emu.requests().length, calls);

    commit(first, second);
    const passphrase = second.env.PULUMI_CONFIG_PASSPHRASE;
    second.env.PULUMI_CONFIG_PASSPHRASE = "another-passphrase";
    const wrong = await second.run(["preview", "--stack", STACK]);
    second.env.PULUMI_CONFIG_PASSPHRASE = passphrase;
    assert.notEqual(wrong.code, 0);
    assert.match(cliOutput(wrong), /incorrect passphrase/);

    calls = emu.requests().length;
    assert.deepEqual(await second.preview(STACK), { same: 3 });
    assert.equal(emu.requests().length, calls, "the clean preview made no API call");

    await setPages(second, 4);
    await second.up(STACK);
    assert.equal(catalog().requests.length, 4);
    commit(second, first); // the next test deploys from the first checkout on top of this state
  });

  it("two concurrent ups of the stage: the second meets the lock, which names pulumi cancel and the holder, and calls nothing; its rerun converges with no duplicate", async () => {
    await setPages(first, 6);
    commit(first, second); // both runners deploy the same commit
    const holder = await upHeldAtPut(first);
    assert.deepEqual(
      await keys("%/.pulumi/locks/%").then((k) => k.length),
      1,
      "the running up holds a lock row",
    );

    const calls = emu.requests().length;
    const loser = await second.run(UP);
    assert.notEqual(loser.code, 0);
    assert.match(cliOutput(loser), LOCKED);
    assert.match(cliOutput(loser), new RegExp(`created by \\S+ \\(pid ${holder.pid}\\)`));
    assert.equal(emu.requests().length, calls, "the locked-out up made no API call");

    emu.release();
    const won = await holder.result;
    assert.equal(won.code, 0, cliOutput(won));
    assert.deepEqual(await keys("%/.pulumi/locks/%"), [], "the winner removed its lock");

    await second.up(STACK);
    assert.equal(catalog().requests.length, 6);
    assert.deepEqual(await second.preview(STACK), { same: 3 });
  });

  it("kill -9 of the CLI holding the lock: its lock row stays and the next up names its pid; pulumi cancel removes it; the rerun converges", async () => {
    await setPages(first, 3);
    commit(first, second);
    const killed = await upHeldAtPut(first);
    process.kill(-(killed.pid as number), "SIGKILL");
    assert.equal((await killed.result).signal, "SIGKILL");
    emu.release();

    const [lock] = await server.query(
      `SELECT convert_from(decode(data->>'data', 'base64'), 'UTF8') FROM ${table} WHERE key LIKE '%/.pulumi/locks/%'`,
    );
    assert.equal(
      (JSON.parse(lock?.[0] ?? "{}") as { pid?: number }).pid,
      killed.pid,
      "the lock row names the killed CLI",
    );
    const locked = await second.run(UP);
    assert.notEqual(locked.code, 0);
    assert.match(cliOutput(locked), LOCKED);
    assert.match(cliOutput(locked), new RegExp(`\\(pid ${killed.pid}\\)`));

    await second.ok(["cancel", "--stack", STACK, "--yes"]);
    assert.deepEqual(await keys("%/.pulumi/locks/%"), []);
    await second.up(STACK);
    assert.equal(catalog().requests.length, 3, "the killed up's change is applied once");
    assert.deepEqual(await first.preview(STACK), { same: 3 });
  });

  it("the state is rows of one table, with no .attrs sidecar; the password reached neither output nor Pulumi's files", async () => {
    const stored = await keys();
    assert.ok(stored.includes("postgres/.pulumi/stacks/per-stage/dev.json"), stored.join("\n"));
    assert.ok(
      stored.some((k) => k.startsWith("postgres/.pulumi/history/per-stage/dev/")),
      stored.join("\n"),
    );
    assert.deepEqual(
      stored.filter((k) => k.endsWith(".attrs")),
      [],
    );
    const transcript = [...first.transcript, ...second.transcript].join("\n");
    assert.ok(transcript.length > 0);
    assert.deepEqual(keyForms(server.password, transcript), [], "the password in the CLI's output");
    for (const p of [first, second]) {
      const home = p.env.PULUMI_HOME as string;
      for (const f of fs.readdirSync(home, { recursive: true, withFileTypes: true })) {
        if (!f.isFile()) continue;
        const text = fs.readFileSync(path.join(f.parentPath, f.name), "utf8");
        assert.equal(text.includes(server.password), false, `the password in ${f.name}`);
      }
      const who = await p.ok(["whoami", "--verbose"]);
      assert.match(
        who.stdout,
        new RegExp(`Backend URL: postgres://pulumi@127\\.0\\.0\\.1:${server.port}/postgres\\?`),
      );
    }
  });

  it("pulumi login with the password in the URL prints it and keeps it in plain text in credentials.json; a URL without sslmode meets a server without TLS", async () => {
    const p = checkout(false);
    try {
      p.env.PULUMI_BACKEND_URL = server.url(table).replace("sslmode=disable&", "");
      assert.doesNotMatch(p.env.PULUMI_BACKEND_URL, /sslmode/);
      const noSslmode = await p.run(["stack", "ls"]);
      assert.notEqual(noSslmode.code, 0);
      assert.match(cliOutput(noSslmode), /pq: SSL is not enabled on the server/);

      delete p.env.PULUMI_BACKEND_URL;
      delete p.env.PGPASSWORD;
      const withPassword = server
        .url(table)
        .replace("postgres://pulumi@", `postgres://pulumi:${server.password}@`);
      const login = await p.ok(["login", withPassword]);
      assert.ok(login.stdout.includes(server.password), "pulumi login printed the password");
      const credentials = fs.readFileSync(path.join(p.env.PULUMI_HOME as string, "credentials.json"), "utf8");
      assert.ok(credentials.includes(server.password), "credentials.json holds the password");
      assert.ok((await p.ok(["whoami", "--verbose"])).stdout.includes(server.password), "whoami prints it");
    } finally {
      p.dispose();
    }
  });
});
