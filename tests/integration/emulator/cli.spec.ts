import * as assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { Pool } from "undici";
import { tempDir } from "./helpers";

const REPO_ROOT = path.resolve(__dirname, "../../..");
const CLI = path.join(REPO_ROOT, "emulator", "cli.ts");

interface CliProcess {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the CLI (through ts-node) and waits for its "listening on" line. */
async function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliProcess> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SCRAPINGPROS_EMULATOR_API_KEY: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start: ${stderr}`)), 20_000);
    const check = (): void => {
      const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`CLI exited early: ${stderr}`));
    });
  });
  return { child, url, stdout: () => stdout, stderr: () => stderr, exited };
}

describe("emulator: CLI (child process)", function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    tmp.cleanup();
  });

  it("prints exactly one line, serves the API with --api-key, and exits 0 on SIGTERM", async () => {
    const cli = await startCli(["--port", "0", "--api-key", "cli-key", "--job-duration-ms", "0"]);
    children.push(cli.child);
    const health = await fetch(`${cli.url}/v1/health`);
    assert.equal(health.status, 200);
    const denied = await fetch(`${cli.url}/v1/async/collections`, {
      headers: { authorization: "Bearer test-key" },
    });
    assert.equal(denied.status, 401);
    const ok = await fetch(`${cli.url}/v1/async/collections`, {
      headers: { authorization: "Bearer cli-key" },
    });
    assert.equal(ok.status, 200);
    cli.child.kill("SIGTERM");
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.equal(cli.stdout(), `listening on ${cli.url}\n`);
    // Request logs go to stderr, never stdout.
    assert.match(cli.stderr(), /GET \/v1\/health 200/);
  });

  it("takes the API key from SCRAPINGPROS_EMULATOR_API_KEY and exits 0 on SIGINT", async () => {
    const cli = await startCli(["--quiet"], { SCRAPINGPROS_EMULATOR_API_KEY: "env-key" });
    children.push(cli.child);
    const ok = await fetch(`${cli.url}/v1/async/collections`, {
      headers: { authorization: "Bearer env-key" },
    });
    assert.equal(ok.status, 200);
    cli.child.kill("SIGINT");
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.equal(cli.stderr(), "");
  });

  it("--rate-limit limits each API key, answering 429 with Retry-After; a malformed value exits 2", async () => {
    const cli = await startCli(["--quiet", "--api-key", "k", "--rate-limit", "2/60"]);
    children.push(cli.child);
    const list = () => fetch(`${cli.url}/v1/async/collections`, { headers: { authorization: "Bearer k" } });
    assert.deepEqual([(await list()).status, (await list()).status], [200, 200]);
    const refused = await list();
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "30");
    cli.child.kill("SIGTERM");
    assert.deepEqual(await cli.exited, { code: 0, signal: null });

    const bad = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", CLI, "--rate-limit", "25"],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(bad);
    let stderr = "";
    bad.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    assert.equal(await new Promise<number | null>((resolve) => bad.once("exit", resolve)), 2);
    assert.match(stderr, /<requests>\/<seconds>/);
  });

  it("rejects unknown flags with exit code 2", async () => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", CLI, "--bogus"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 2);
  });

  it("loses nothing acknowledged when SIGKILLed in the middle of a stream of creates", async () => {
    const dataPath = path.join(tmp.dir, "journal.jsonl");
    const args = ["--port", "0", "--data", dataPath, "--api-key", "k", "--quiet"];
    const first = await startCli(args);
    children.push(first.child);

    const pool = new Pool(first.url, { connections: 8 });
    const acknowledged = new Map<string, string>(); // idempotency key → collection id
    let killed = false;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!killed) {
        const i = next++;
        try {
          const res = await pool.request({
            method: "POST",
            path: "/v1/async/collections",
            headers: {
              authorization: "Bearer k",
              "content-type": "application/json",
              "idempotency-key": `kill-${i}`,
            },
            body: JSON.stringify({
              name: `kill-${i}`,
              requests: [{ url: `https://example.com/${i}`, custom_id: `${i}` }],
            }),
          });
          const body = (await res.body.json()) as { id: string };
          assert.equal(res.statusCode, 201);
          acknowledged.set(`kill-${i}`, body.id);
          if (acknowledged.size >= 300 && !killed) {
            // Kill while the other workers still have creates in flight.
            killed = true;
            first.child.kill("SIGKILL");
          }
        } catch {
          // Requests cut off by the kill were never acknowledged; that is the point.
          if (!killed) throw new Error("a create failed before the kill");
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await pool.destroy();
    assert.deepEqual(await first.exited, { code: null, signal: "SIGKILL" });
    assert.ok(acknowledged.size >= 300);

    const second = await startCli(args);
    children.push(second.child);
    const stored = (await (await fetch(`${second.url}/__emulator/collections`)).json()) as {
      id: string;
      name: string;
    }[];
    const storedIds = new Set(stored.map((c) => c.id));
    const missing = [...acknowledged.values()].filter((id) => !storedIds.has(id));
    assert.deepEqual(missing, [], `${missing.length} acknowledged creates were lost`);
    // Unacknowledged creates may or may not have been committed, but never twice.
    assert.equal(new Set(stored.map((c) => c.name)).size, stored.length);

    // The idempotency records survived too: a retry of an acknowledged create is a replay.
    const [key, id] = [...acknowledged.entries()][123] ?? [];
    const i = key?.slice("kill-".length);
    const retry = await fetch(`${second.url}/v1/async/collections`, {
      method: "POST",
      headers: {
        authorization: "Bearer k",
        "content-type": "application/json",
        "idempotency-key": key ?? "",
      },
      body: JSON.stringify({
        name: `kill-${i}`,
        requests: [{ url: `https://example.com/${i}`, custom_id: `${i}` }],
      }),
    });
    assert.equal(retry.status, 201);
    assert.equal(retry.headers.get("idempotency-replayed"), "true");
    assert.equal(((await retry.json()) as { id: string }).id, id);

    second.child.kill("SIGTERM");
    assert.deepEqual(await second.exited, { code: 0, signal: null });
  });
});
