/**
 * The pure parts of the PostgreSQL test helper (tests/helpers/postgres.ts): where the server's
 * programs come from (and when apt installs them), the backend URL, the state table names, and the
 * log lines that make a start retry on another port.
 */
import * as assert from "node:assert/strict";
import {
  type BackendUrlParts,
  needsAptUpdate,
  type PostgresProbe,
  planPostgres,
  portWasTaken,
  postgresBackendUrl,
  tableName,
} from "../helpers/postgres";

const root: PostgresProbe = {
  installedMajors: [],
  isRoot: true,
  hasApt: true,
  hasPostgresUser: true,
  hasRunuser: true,
};

describe("PostgreSQL test helper: where the server's programs come from", () => {
  it("uses the newest installed major version, run as the postgres user when this is root", () => {
    assert.deepEqual(planPostgres({ ...root, installedMajors: [13, 15, 9] }), {
      action: "use",
      binDir: "/usr/lib/postgresql/15/bin",
      runAs: "postgres",
    });
    assert.deepEqual(planPostgres({ ...root, installedMajors: [16, 15] }), {
      action: "use",
      binDir: "/usr/lib/postgresql/16/bin",
      runAs: "postgres",
    });
  });

  it("runs the server as the current user when this is not root", () => {
    assert.deepEqual(
      planPostgres({ ...root, isRoot: false, hasPostgresUser: false, installedMajors: [15] }),
      {
        action: "use",
        binDir: "/usr/lib/postgresql/15/bin",
        runAs: "self",
      },
    );
  });

  it("installs postgresql-15 with apt when nothing is installed, as root with apt-get (a fresh CI machine)", () => {
    assert.deepEqual(planPostgres(root), {
      action: "install",
      package: "postgresql-15",
      binDir: "/usr/lib/postgresql/15/bin",
      runAs: "postgres",
    });
    // The package creates the postgres user, so its absence before the install does not matter.
    assert.equal(planPostgres({ ...root, hasPostgresUser: false }).action, "install");
  });

  it("does not install when something is installed, or when SP_POSTGRES_BIN names a complete folder", () => {
    assert.equal(planPostgres({ ...root, installedMajors: [15] }).action, "use");
    assert.deepEqual(planPostgres({ ...root, envBin: { dir: "/opt/pg/bin", complete: true } }), {
      action: "use",
      binDir: "/opt/pg/bin",
      runAs: "postgres",
    });
    assert.deepEqual(
      planPostgres({
        ...root,
        isRoot: false,
        installedMajors: [15],
        envBin: { dir: "/opt/pg/bin", complete: true },
      }),
      { action: "use", binDir: "/opt/pg/bin", runAs: "self" },
    );
  });

  it("fails with what to do when it can neither find nor install them", () => {
    const notRoot = planPostgres({ ...root, isRoot: false });
    assert.equal(notRoot.action, "fail");
    assert.match(notRoot.action === "fail" ? notRoot.message : "", /sudo apt-get install postgresql-15/);
    assert.match(notRoot.action === "fail" ? notRoot.message : "", /SP_POSTGRES_BIN/);

    const noApt = planPostgres({ ...root, hasApt: false });
    assert.equal(noApt.action, "fail");
    assert.match(
      noApt.action === "fail" ? noApt.message : "",
      /apt-get, .* is not on PATH: install PostgreSQL.s server, or set SP_POSTGRES_BIN/,
    );

    const incomplete = planPostgres({
      ...root,
      installedMajors: [15],
      envBin: { dir: "/opt/x", complete: false },
    });
    assert.equal(incomplete.action, "fail");
    assert.match(
      incomplete.action === "fail" ? incomplete.message : "",
      /SP_POSTGRES_BIN=\/opt\/x does not hold initdb/,
    );
  });

  it("as root, needs a postgres user and runuser, as initdb refuses to run as root", () => {
    const noUser = planPostgres({ ...root, installedMajors: [15], hasPostgresUser: false });
    assert.equal(noUser.action, "fail");
    assert.match(noUser.action === "fail" ? noUser.message : "", /refuses to run as root.*no postgres user/);
    const noRunuser = planPostgres({ ...root, installedMajors: [15], hasRunuser: false });
    assert.equal(noRunuser.action, "fail");
    assert.match(noRunuser.action === "fail" ? noRunuser.message : "", /runuser/);
    assert.equal(planPostgres({ ...root, hasRunuser: false }).action, "fail");
  });

  it("runs apt-get update only when apt does not know the package", () => {
    assert.ok(needsAptUpdate("E: Unable to locate package postgresql-15\n"));
    assert.ok(needsAptUpdate("E: Package 'postgresql-15' has no installation candidate\n"));
    assert.ok(
      needsAptUpdate("Package postgresql-15 is not available, but is referred to by another package.\n"),
    );
    assert.equal(
      needsAptUpdate("E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 42 (apt-get)"),
      false,
    );
    assert.equal(needsAptUpdate("E: Sub-process /usr/bin/dpkg returned an error code (1)"), false);
  });
});

describe("PostgreSQL test helper: ports, URLs and tables", () => {
  it("retries on another port exactly when the server's log says its port was taken", () => {
    const taken = [
      '2026-12-05 16:08:05.131 UTC [11880] LOG:  could not bind IPv4 address "127.0.0.1": Address already in use',
      "2026-12-05 16:08:05.131 UTC [11880] HINT:  Is another postmaster already running on port 5432? If not, wait a few seconds and retry.",
      '2026-12-05 16:08:05.131 UTC [11880] WARNING:  could not create listen socket for "127.0.0.1"',
      "2026-12-05 16:08:05.131 UTC [11880] FATAL:  could not create any TCP/IP sockets",
    ].join("\n");
    assert.ok(portWasTaken(taken));
    assert.equal(
      portWasTaken(
        'FATAL:  could not create lock file "/tmp/x/.s.PGSQL.5432.lock": No such file or directory',
      ),
      false,
    );
    assert.equal(portWasTaken('FATAL:  data directory "/tmp/x/data" has invalid permissions'), false);
  });

  const parts: BackendUrlParts = {
    host: "127.0.0.1",
    port: 54321,
    user: "pulumi",
    database: "postgres",
    sslmode: "disable",
  };

  it("builds the backend URL without a password, with sslmode and the table", () => {
    assert.equal(
      postgresBackendUrl({ ...parts, table: "sp_shared_0a1b2c3d" }),
      "postgres://pulumi@127.0.0.1:54321/postgres?sslmode=disable&table=sp_shared_0a1b2c3d",
    );
    assert.equal(
      postgresBackendUrl({
        ...parts,
        host: "db.internal",
        port: 5432,
        database: "state",
        sslmode: "verify-full",
      }),
      "postgres://pulumi@db.internal:5432/state?sslmode=verify-full",
    );
    assert.equal(
      postgresBackendUrl({ ...parts, host: "::1" }),
      "postgres://pulumi@[::1]:54321/postgres?sslmode=disable",
    );
    // A user or database name with URL syntax in it stays one component.
    assert.equal(
      postgresBackendUrl({ ...parts, user: "ci@team", database: "a/b" }),
      "postgres://ci%40team@127.0.0.1:54321/a%2Fb?sslmode=disable",
    );
  });

  it("refuses a table name that Pulumi's unquoted SQL would not take, and a port that is not one", () => {
    for (const table of ["Shared", "1st", "a-b", "state; drop table x", "", "x".repeat(64)]) {
      assert.throws(
        () => postgresBackendUrl({ ...parts, table }),
        /is not a plain PostgreSQL identifier/,
        table,
      );
    }
    assert.doesNotThrow(() => postgresBackendUrl({ ...parts, table: "x".repeat(63) }));
    for (const port of [0, 65_536, 1.5]) {
      assert.throws(() => postgresBackendUrl({ ...parts, port }), /is not a TCP port/);
    }
  });

  it("gives each test a table name of its own that fits PostgreSQL's identifiers", () => {
    assert.equal(tableName("shared backend", "0a1b2c3d"), "sp_shared_backend_0a1b2c3d");
    assert.equal(tableName("Stages: seed 2!", "0a1b2c3d"), "sp_stages_seed_2_0a1b2c3d");
    assert.equal(tableName("---", "0a1b2c3d"), "sp_t_0a1b2c3d");
    const long = tableName("a very long label ".repeat(10), "0a1b2c3d");
    assert.ok(long.length <= 63, long);
    assert.match(long, /^sp_a_very_long_label_[a-z_]*[a-z]_0a1b2c3d$/);
    const a = tableName("same");
    const b = tableName("same");
    assert.notEqual(a, b);
    assert.match(a, /^sp_same_[0-9a-f]{8}$/);
  });
});
