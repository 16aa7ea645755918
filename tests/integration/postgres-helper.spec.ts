/**
 * The PostgreSQL test helper with a real server (tests/helpers/postgres.ts): password authentication
 * with a URL that holds none, loopback only, a retry when the port it was given is taken, and no
 * process or folder left after a stop, or after the process that started it ends by SIGINT or SIGKILL.
 */
import * as assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  ensurePostgres,
  freePort,
  POSTGRES_SERVER_VAR,
  type PostgresServer,
  startPostgres,
} from "../helpers/postgres";
import { describeProcesses, processesWithEnv } from "../helpers/processes";

const execFileAsync = promisify(execFile);
const OWNER = path.resolve(__dirname, "..", "fixtures", "postgres", "owner.ts");

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Polls until no process carries the server's marker; the ones left after `ms`. */
async function gone(id: string, ms = 15_000): Promise<ReturnType<typeof processesWithEnv>> {
  const deadline = Date.now() + ms;
  let left = processesWithEnv(POSTGRES_SERVER_VAR, id);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesWithEnv(POSTGRES_SERVER_VAR, id);
  }
  return left;
}

describe("PostgreSQL test helper: a real throwaway server", function () {
  // The first start on a fresh machine installs PostgreSQL with apt (about 30 s).
  this.timeout(180_000);
  before(() => {
    ensurePostgres();
  });

  let server: PostgresServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("asks for the password the URL leaves out, listens on 127.0.0.1 only, and stops leaving nothing", async () => {
    server = await startPostgres();
    const url = server.url("sp_probe_table");
    assert.equal(
      url,
      `postgres://pulumi@127.0.0.1:${server.port}/postgres?sslmode=disable&table=sp_probe_table`,
    );
    assert.ok(!url.includes(server.password));
    assert.deepEqual(await server.query("SHOW listen_addresses"), [["127.0.0.1"]]);
    assert.deepEqual(await server.query("SELECT current_setting('unix_socket_directories') = ''"), [["t"]]);
    assert.deepEqual(await server.query("SHOW password_encryption"), [["scram-sha-256"]]);

    const psql = path.join(ensurePostgres().binDir, "psql");
    const args = [
      "-h",
      "127.0.0.1",
      "-p",
      String(server.port),
      "-U",
      server.user,
      "-d",
      server.database,
      "-c",
      "SELECT 1",
    ];
    await assert.rejects(
      execFileAsync(psql, args, { env: { PATH: process.env.PATH, PGPASSWORD: "not-the-password" } }),
      /password authentication failed for user "pulumi"/,
    );
    await assert.rejects(
      execFileAsync(psql, ["-w", ...args], { env: { PATH: process.env.PATH } }),
      /no password supplied/,
    );

    const processes = server.processes();
    assert.ok(
      processes.some((p) => /\/postgres -D /.test(p.cmdline)) &&
        processes.some((p) => /^postgres: /.test(p.cmdline)),
      describeProcesses(processes),
    );
    const { port, dir, id } = server;
    await server.stop();
    server = undefined;
    assert.deepEqual(
      processes.filter((p) => fs.existsSync(`/proc/${p.pid}`) && !/^Z/.test(stateOf(p.pid))),
      [],
    );
    assert.deepEqual(await gone(id, 0), []);
    assert.equal(fs.existsSync(dir), false, dir);
    assert.equal(await accepts(port), false);
  });

  it("starts on another port when the one it was given is taken meanwhile", async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
    const taken = (squatter.address() as net.AddressInfo).port;
    const given: number[] = [];
    const lines: string[] = [];
    try {
      server = await startPostgres({
        ports: async () => {
          const port = given.length === 0 ? taken : await freePort();
          given.push(port);
          return port;
        },
        log: (l) => lines.push(l),
      });
    } finally {
      squatter.close();
    }
    assert.equal(given.length, 2);
    assert.equal(server.port, given[1]);
    assert.notEqual(server.port, taken);
    assert.deepEqual(await server.query("SELECT 1"), [["1"]]);
    assert.match(lines.join("\n"), new RegExp(`port ${taken} was taken meanwhile; trying another`));
  });

  it("fails with the server's log when every port it is given is taken", async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
    const taken = (squatter.address() as net.AddressInfo).port;
    let asked = 0;
    try {
      await assert.rejects(
        startPostgres({
          attempts: 2,
          ports: async () => {
            asked++;
            return taken;
          },
          log: () => undefined,
        }),
        /PostgreSQL did not start .*could not bind IPv4 address "127\.0\.0\.1": Address already in use/s,
      );
    } finally {
      squatter.close();
    }
    assert.equal(asked, 2);
  });

  for (const signal of ["SIGINT", "SIGKILL"] as const) {
    it(`stops when the process that started it ends by ${signal} (no stop called)`, async () => {
      const owner = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", OWNER], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const started = await new Promise<{ id: string; port: number; dir: string }>((resolve, reject) => {
        let out = "";
        owner.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const line = out.split("\n")[0];
          if (out.includes("\n") && line) resolve(JSON.parse(line));
        });
        owner.once("exit", (code) => reject(new Error(`the owner exited ${code} before its server started`)));
      });
      assert.ok(await accepts(started.port));
      assert.ok(processesWithEnv(POSTGRES_SERVER_VAR, started.id).length > 0);
      owner.kill(signal);
      await new Promise((r) => owner.once("exit", r));
      const left = await gone(started.id);
      assert.deepEqual(left, [], describeProcesses(left));
      assert.equal(await accepts(started.port), false);
      assert.equal(fs.existsSync(started.dir), false, started.dir);
    });
  }
});

/** The state letter of /proc/<pid>/stat ("" when gone). */
function stateOf(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return "";
  }
}
