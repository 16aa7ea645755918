/**
 * The freshness rules of the shared list snapshots (provider/core/collection-snapshots.ts), against
 * an account in memory whose calls are recorded. The provider against the emulator, and the real
 * CLI, are in tests/integration/provider/core/snapshots.spec.ts and tests/e2e/list-snapshots.spec.ts.
 */
import * as assert from "node:assert/strict";
import { NotFoundError, ResponseTooLargeError } from "../../../../provider/client/errors";
import type { CollectionSummary } from "../../../../provider/client/schemas";
import { CollectionSnapshots, type SnapshotClient } from "../../../../provider/core/collection-snapshots";

/** An account in memory: its collections, the calls made, and a list that may answer late or fail. */
class Account implements SnapshotClient {
  collections_: CollectionSummary[] = [];
  calls: string[] = [];
  /** Makes the next list calls fail with this, or be held until `release` is called. */
  listFails: Error | undefined;
  #held: (() => void)[] = [];
  holdLists = false;

  add(id: string, name: string): CollectionSummary {
    const c = { id, name, created_at: 1, updated_at: 1 };
    this.collections_.push(c);
    return c;
  }
  release(): void {
    for (const r of this.#held.splice(0)) r();
  }
  readonly collections = {
    list: async (query: { name?: string } = {}, options: { deadlineMs?: number } = {}) => {
      this.calls.push(
        query.name === undefined
          ? "list"
          : `list?name=${query.name}${options.deadlineMs === undefined ? "" : " (deadline)"}`,
      );
      // What the account holds when the call is sent: a list answered late does not see later changes.
      const data = this.collections_
        .filter((c) => query.name === undefined || c.name === query.name)
        .map((c) => ({ ...c }));
      if (this.holdLists && query.name === undefined) await new Promise<void>((r) => this.#held.push(r));
      if (this.listFails && query.name === undefined) throw this.listFails;
      return { data };
    },
    get: async (id: string) => {
      this.calls.push(`get ${id}`);
      const c = this.collections_.find((x) => x.id === id);
      if (!c) {
        throw new NotFoundError({
          status: 404,
          detail: "Collection not found",
          headers: {},
          method: "GET",
          path: `/v1/async/collections/${id}`,
          retryable: false,
        });
      }
      return { data: { ...c } };
    },
  };
}

describe("collection snapshots: reads and lookups through the list", () => {
  let account: Account;
  let clock: number;
  const snapshots = (extra: { readMaxAgeMs?: number; lookupMaxAgeMs?: number } = {}) =>
    new CollectionSnapshots({ client: () => account, now: () => clock, ...extra });

  beforeEach(() => {
    account = new Account();
    clock = 1_000_000;
  });

  describe("reads", () => {
    it("reads that arrive together share one list; one missing from it is confirmed gone by its own GET", async () => {
      for (let i = 0; i < 20; i++) account.add(`c${i}`, `n${i}`);
      const s = snapshots();
      const ids = [...Array.from({ length: 20 }, (_, i) => `c${i}`), "gone"];
      const found = await Promise.all(ids.map((id) => s.read(id)));
      assert.deepEqual(account.calls, ["list", "get gone"]);
      assert.deepEqual(
        found.map((c) => c?.name),
        [...Array.from({ length: 20 }, (_, i) => `n${i}`), undefined],
      );
    });

    it("a read alone is one GET, not the whole list", async () => {
      account.add("a", "alpha");
      const s = snapshots();
      assert.equal((await s.read("a"))?.name, "alpha");
      assert.deepEqual(account.calls, ["get a"]);
    });

    it("later reads of the refresh use the snapshot while it is younger than the read age; then a new list", async () => {
      account.add("a", "alpha");
      account.add("b", "beta");
      const s = snapshots({ readMaxAgeMs: 10_000 });
      await Promise.all([s.read("a"), s.read("b")]);
      clock += 9_000;
      // A rename after the snapshot is not seen by a read that may use it...
      account.collections_[0] = { ...account.collections_[0], name: "renamed" } as CollectionSummary;
      assert.equal((await s.read("a"))?.name, "alpha");
      assert.deepEqual(account.calls, ["list"]);
      // ...and is seen once the snapshot is too old: a read alone right after reads answered from a
      // list still takes the list (the refresh goes on).
      clock += 2_000;
      assert.equal((await s.read("a"))?.name, "renamed");
      assert.deepEqual(account.calls, ["list", "list"]);
    });

    it("a collection missing from the snapshot but created since is found by its GET", async () => {
      account.add("a", "alpha");
      account.add("b", "beta");
      const s = snapshots();
      await Promise.all([s.read("a"), s.read("b")]);
      account.add("new", "newer");
      assert.equal((await s.read("new"))?.name, "newer");
      assert.deepEqual(account.calls, ["list", "get new"]);
    });

    it("a collection this process wrote after the snapshot was sent is not read from it", async () => {
      account.add("a", "alpha");
      account.add("b", "beta");
      const s = snapshots();
      await Promise.all([s.read("a"), s.read("b")]);
      clock += 1;
      account.collections_[0] = { ...account.collections_[0], name: "put" } as CollectionSummary;
      s.wrote({ id: "a", name: "put" });
      assert.equal((await s.read("a"))?.name, "put");
      assert.equal((await s.read("b"))?.name, "beta");
      assert.deepEqual(account.calls, ["list", "list"]);
    });

    it("a failed list fails every read that waited for it, with its error", async () => {
      account.add("a", "alpha");
      account.listFails = new Error("503 after retries");
      const s = snapshots();
      const results = await Promise.allSettled([s.read("a"), s.read("b"), s.read("c")]);
      assert.deepEqual(
        results.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "ok")),
        ["503 after retries", "503 after retries", "503 after retries"],
      );
      assert.deepEqual(account.calls, ["list"]);
      // The API recovered: the next read sends a new list rather than reuse the failure.
      account.listFails = undefined;
      const again = await Promise.all([s.read("a"), s.read("b")]);
      assert.deepEqual(
        again.map((c) => c?.name),
        ["alpha", undefined],
      );
      assert.deepEqual(account.calls, ["list", "list", "get b"]);
    });

    it("a list too large to read turns every later question into a call of its own", async () => {
      account.add("a", "alpha");
      account.add("b", "beta");
      account.listFails = new ResponseTooLargeError("GET /v1/async/collections", 1024);
      const s = snapshots();
      const found = await Promise.all([s.read("a"), s.read("b")]);
      assert.deepEqual(
        found.map((c) => c?.name),
        ["alpha", "beta"],
      );
      assert.deepEqual(account.calls, ["list", "get a", "get b"]);
      s.announce("x");
      s.announce("y");
      assert.deepEqual(await s.lookUp("x"), []);
      assert.deepEqual(account.calls.slice(3), ["list?name=x"]);
    });
  });

  describe("lookups by name", () => {
    it("the lookups of one deployment share a list: every name checked before the list was sent is answered by it", async () => {
      account.add("k1", "kept-1");
      const s = snapshots();
      for (let i = 0; i < 10; i++) s.announce(`auto-${i}`);
      s.announce("kept-1");
      clock += 1;
      const first = await Promise.all(Array.from({ length: 4 }, (_, i) => s.lookUp(`auto-${i}`)));
      assert.deepEqual(first, [[], [], [], []]);
      clock += 1;
      // Later creates: their names were announced before the list was sent.
      for (let i = 4; i < 10; i++) assert.deepEqual(await s.lookUp(`auto-${i}`), []);
      assert.deepEqual(
        (await s.lookUp("kept-1")).map((c) => c.id),
        ["k1"],
      );
      assert.deepEqual(account.calls, ["list"]);
    });

    it("never answers a lookup with a list sent before this process's lookups began, nor one older than 60 s", async () => {
      const s = snapshots({ lookupMaxAgeMs: 60_000 });
      // `up --refresh`: the refresh's reads take a list before any lookup began.
      account.add("a", "alpha");
      account.add("b", "beta");
      await Promise.all([s.read("a"), s.read("b")]);
      assert.deepEqual(account.calls, ["list"]);
      clock += 1;
      s.announce("x");
      s.announce("y");
      account.add("k", "x");
      clock += 1;
      assert.deepEqual(
        (await s.lookUp("x")).map((c) => c.id),
        ["k"],
      );
      assert.deepEqual(account.calls, ["list", "list"]);
      // Lookups that begin later in the deployment are answered from that list while it is young...
      clock += 59_000;
      s.announce("z");
      assert.deepEqual(await s.lookUp("y"), []);
      assert.deepEqual(await s.lookUp("z"), []);
      assert.equal(account.calls.length, 2);
      // ...and from a new one once it is older than 60 s when they begin.
      clock += 2_000;
      s.announce("w");
      s.announce("v");
      account.add("k2", "w");
      assert.deepEqual(
        (await s.lookUp("w")).map((c) => c.id),
        ["k2"],
      );
      assert.deepEqual(account.calls, ["list", "list", "list"]);
    });

    it("a lookup that was not announced begins at its create: a list sent before it does not answer it", async () => {
      const s = snapshots();
      clock += 1;
      account.add("k", "unannounced");
      assert.deepEqual(
        (await s.lookUp("unannounced")).map((c) => c.id),
        ["k"],
      );
      assert.deepEqual(account.calls, ["list?name=unannounced"]);
    });

    it("one lookup with no other name announced is one `?name=` call", async () => {
      const s = snapshots();
      s.announce("solo");
      assert.deepEqual(await s.lookUp("solo"), []);
      assert.deepEqual(account.calls, ["list?name=solo"]);
    });

    it("two lookups of one name never both miss: the second finds what the first created (write-through)", async () => {
      const s = snapshots();
      s.announce("shared");
      s.announce("other");
      clock += 1;
      const create = (who: string) =>
        s.holdName("shared", async () => {
          const matches = await s.lookUp("shared");
          if (matches.length > 0) return `${who} adopted ${matches.map((m) => m.id).join(",")}`;
          // The API's answer to the POST; the list that answered the lookup predates it.
          const created = { id: `${who}-id`, name: "shared" };
          account.add(created.id, created.name);
          clock += 1;
          s.wrote(created);
          return `${who} created ${created.id}`;
        });
      const outcomes = await Promise.all([create("A"), create("B")]);
      assert.deepEqual(outcomes, ["A created A-id", "B adopted A-id"]);
      assert.equal(account.calls.filter((c) => c.startsWith("list")).length <= 2, true);
    });

    it("a write whose outcome is unknown makes the next lookup of that name wait for a newer list", async () => {
      const s = snapshots();
      s.announce("n");
      s.announce("m");
      clock += 1;
      await assert.rejects(
        s.holdName("n", async () => {
          assert.deepEqual(await s.lookUp("n"), []);
          // The POST was committed by the API, but its answer was lost.
          account.add("committed", "n");
          clock += 1;
          throw new Error("connection reset");
        }),
        /connection reset/,
      );
      clock += 1;
      // The second resource of that name was announced before the first list, yet must not trust it.
      s.announce("n");
      const again = await s.holdName("n", () => s.lookUp("n"));
      assert.deepEqual(
        again.map((c) => c.id),
        ["committed"],
      );
    });

    it("a rename by this process moves the collection from its old name to its new one", async () => {
      account.add("c1", "before");
      const s = snapshots();
      s.announce("before");
      s.announce("after");
      clock += 1;
      await s.lookUp("before");
      clock += 1;
      s.wrote({ id: "c1", name: "after" });
      s.announce("before");
      s.announce("after");
      // Both looked up again: announced after the list, so a new list answers (it shows the rename).
      account.collections_[0] = { id: "c1", name: "after" };
      assert.deepEqual(await s.lookUp("before"), []);
      assert.deepEqual(
        (await s.lookUp("after")).map((c) => c.id),
        ["c1"],
      );
    });

    it("the list that answers a lookup also answers reads sent after it", async () => {
      account.add("a", "alpha");
      const s = snapshots();
      s.announce("x");
      s.announce("y");
      await s.lookUp("x");
      assert.equal((await s.read("a"))?.name, "alpha");
      assert.deepEqual(account.calls, ["list"]);
    });

    it("a lookup with a deadline that finds no usable list makes its own `?name=` call within it", async () => {
      const s = snapshots();
      s.announce("x");
      s.announce("y");
      assert.deepEqual(await s.lookUp("x", { deadlineMs: 500 }), []);
      assert.deepEqual(account.calls, ["list?name=x (deadline)"]);
    });

    it("lookups that arrive while a list is on its way, and began before it was sent, wait for it", async () => {
      account.holdLists = true;
      const s = snapshots();
      for (const n of ["a", "b", "c"]) s.announce(n);
      clock += 1;
      const a = s.lookUp("a");
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(account.calls, ["list"]);
      const b = s.lookUp("b");
      const c = s.lookUp("c");
      account.release();
      assert.deepEqual(await Promise.all([a, b, c]), [[], [], []]);
      assert.deepEqual(account.calls, ["list"]);
    });
  });
});
