import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { useStack } from "../helpers/e2e";
import { closeTestClients, testClient } from "../helpers/emulator";
import { changesOf, type ProgramSpec, type TestStack } from "../helpers/pulumi";

// Reads and lookups through the list (provider/core/collection-snapshots.ts) with the real CLI: the
// calls of a refresh, an `up --refresh`, first deployments of auto-named and `adoptExisting`
// collections, a killed first deployment's rerun, and lookups made many times in one program,
// counted in the emulator's request log.

/** "METHOD path" of each API call after `mark`, `?name=` marked, sorted. */
const callsSince = (emu: RunningEmulator, mark: number): string[] =>
  emu
    .requests()
    .slice(mark)
    .filter((r) => r.path.startsWith("/v1/"))
    .map((r) => `${r.method} ${r.path}${r.query.name === undefined ? "" : "?name="}`)
    .sort();
const LIST = "GET /v1/async/collections";
const POST = "POST /v1/async/collections";
/** A read's own GET (made by a read that reaches the provider alone) or a removal's confirmation. */
const isGetById = (c: string) => /^GET \/v1\/async\/collections\/[^/]+$/.test(c);
const isLookup = (c: string) => c === LIST || c === `${LIST}?name=`;

/** `n` collections: every fifth explicitly named (`named-<i>`), the others auto-named. */
function collections(n: number, version = 1): ProgramSpec {
  const spec: ProgramSpec = {};
  for (let i = 0; i < n; i++) {
    spec[`c${i}`] = {
      ...(i % 5 === 0 ? { name: `named-${i}` } : {}),
      requests: [{ url: `https://example.com/${i}/v${version}` }],
    };
  }
  return spec;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("e2e: reads and lookups through the list (calls below one per resource)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  describe("one stack of 60 collections", () => {
    /** The collections renamed and removed outside Pulumi. */
    let renamedId = "";
    let removedId = "";
    useStack((h) => ({ emu, stack } = h));
    after(closeTestClients);

    it("first up: 60 POSTs, and the 48 auto-named collections' lookups share at most 5 calls", async () => {
      stack.setProgram(collections(60));
      const mark = emu.requests().length;
      await stack.up();
      const calls = callsSince(emu, mark);
      assert.equal(calls.filter((c) => c === POST).length, 60);
      const lookups = calls.filter((c) => c !== POST);
      assert.ok(lookups.length <= 5 && lookups.every(isLookup), `${lookups.length}: ${lookups.join(", ")}`);
      assert.equal(emu.collections().length, 60);
    });

    it("refresh: one list call for 60 collections; a rename made outside Pulumi is seen, a removed collection is confirmed by its GET and dropped", async () => {
      const held = await stack.collections();
      const renamed = held.find((c) => c.outputs.name === "named-5");
      const removed = held.find((c) => c.outputs.name === "named-10");
      assert.ok(renamed && removed);
      renamedId = renamed.id;
      removedId = removed.id;
      const { client } = testClient(emu);
      await client.collections.update(renamed.id, { name: "renamed-outside", requests: [] });
      assert.ok(emu.removeCollection(removed.id));

      const mark = emu.requests().length;
      const changes = changesOf(await stack.refresh());
      const calls = callsSince(emu, mark);
      assert.deepEqual(
        calls.filter((c) => !isGetById(c)),
        [LIST],
        "one list for the 60 reads",
      );
      const gets = calls.filter(isGetById);
      assert.ok(gets.includes(`GET /v1/async/collections/${removed.id}`), "the removal was not confirmed");
      assert.ok(gets.length <= 2, gets.join(", "));
      assert.deepEqual(changes, { delete: 1, update: 1 });
      const after = await stack.collections();
      assert.equal(after.length, 59);
      assert.equal(after.find((c) => c.id === renamed.id)?.outputs.name, "renamed-outside");
    });

    it("up --refresh: each pass (its preview and the update) reads through one list; the rename is put back", async () => {
      const mark = emu.requests().length;
      await stack.ok(["up", "--yes", "--refresh"]);
      const calls = callsSince(emu, mark);
      const writes = calls.filter((c) => !c.startsWith("GET "));
      // The declared name comes back (1 PUT). The removed collection is created again: an explicit
      // name, not looked up; its key replays the removed one (POST), whose PUT finds it gone, so the
      // next key of the chain creates a new one (POST), as the README's behaviour table says.
      assert.deepEqual(
        writes,
        [
          POST,
          POST,
          `PUT /v1/async/collections/${removedId}`,
          `PUT /v1/async/collections/${renamedId}`,
        ].sort(),
      );
      const reads = calls.filter((c) => c.startsWith("GET "));
      assert.equal(reads.filter((c) => c === LIST).length, 2, reads.join(", "));
      assert.ok(reads.length <= 4, reads.join(", "));
      assert.deepEqual(changesOf(await stack.preview()), {});
    });
  });

  describe("adoption and interruptions", () => {
    useStack((h) => ({ emu, stack } = h), { each: true });
    after(closeTestClients);

    it("first up of 30 adoptExisting collections, 12 of which exist: 12 adopting PUTs, 18 POSTs, at most 5 lookups", async () => {
      const { client } = testClient(emu);
      const existing = new Map<string, string>();
      for (let i = 0; i < 12; i++) {
        existing.set(
          `legacy-${i}`,
          (await client.collections.create({ name: `legacy-${i}`, requests: [] })).data.id,
        );
      }
      const spec: ProgramSpec = {};
      for (let i = 0; i < 30; i++) {
        spec[`a${i}`] = {
          name: `legacy-${i}`,
          adoptExisting: true,
          requests: [{ url: `https://example.com/a${i}` }],
        };
      }
      stack.setProgram(spec);
      const mark = emu.requests().length;
      await stack.up();
      const calls = callsSince(emu, mark);
      assert.equal(calls.filter((c) => c === POST).length, 18);
      assert.deepEqual(
        calls.filter((c) => c.startsWith("PUT ")),
        [...existing.values()].map((id) => `PUT /v1/async/collections/${id}`).sort(),
      );
      const lookups = calls.filter((c) => c.startsWith("GET "));
      assert.ok(lookups.length <= 5 && lookups.every(isLookup), lookups.join(", "));
      assert.equal(emu.collections().length, 30);
      assert.deepEqual(changesOf(await stack.preview()), {});
    });

    it("a killed first deployment, then edited: the rerun finds every committed collection by name (lookups shared), no duplicate", async () => {
      stack.setProgram(collections(30));
      // The API commits the first creates and holds their answers; the engine (8 at a time) waits.
      emu.addFault({ method: "POST", path: "/v1/async/collections", action: "hold", times: 8 });
      const up = stack.spawn(["up", "--yes", "--skip-preview"]);
      await waitFor("the held creates", () => emu.collections().length === 8);
      process.kill(-(up.pid as number), "SIGKILL");
      assert.equal((await up.result).signal, "SIGKILL");
      emu.release();
      await stack.ok(["cancel", "--yes"]);
      const committed = emu.collections().map((c) => c.name);

      // Every request list edited: new idempotency keys, so only the lookups by name can find them.
      stack.setProgram(collections(30, 2));
      const mark = emu.requests().length;
      await stack.up();
      const calls = callsSince(emu, mark);
      const autoCommitted = committed.filter((n) => !n.startsWith("named-")).length;
      assert.equal(
        calls.filter((c) => c.startsWith("PUT ")).length,
        autoCommitted,
        "each auto-named one adopted",
      );
      assert.equal(calls.filter((c) => c === POST).length, 30 - autoCommitted);
      const lookups = calls.filter((c) => c.startsWith("GET "));
      assert.ok(lookups.length <= 5 && lookups.every(isLookup), lookups.join(", "));
      // Explicitly named ones without adoptExisting get a new collection for the new body (README).
      const named = committed.length - autoCommitted;
      assert.equal(emu.collections().length, 30 + named);
      const names = emu.collections().map((c) => c.name);
      for (const n of names.filter((x) => !x.startsWith("named-"))) {
        assert.equal(names.filter((x) => x === n).length, 1, `two collections named ${n}`);
      }
      assert.deepEqual(changesOf(await stack.preview()), {});
    });
  });

  describe("lookups in a program", () => {
    useStack((h) => ({ emu, stack } = h));
    after(closeTestClients);

    it("20 getCollection and 3 listCollections made together are one list call, at preview and at up", async () => {
      const { client } = testClient(emu);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        ids.push((await client.collections.create({ name: `team-${i % 2}-${i}`, requests: [] })).data.id);
      }
      fs.writeFileSync(
        path.join(stack.projectDir, "index.js"),
        `"use strict";
const sp = require("pulumi-scrapingpros");
const ids = ${JSON.stringify(ids)};
exports.names = ids.map((id) => sp.getCollectionOutput({ id }).apply((c) => c.name));
exports.team0 = sp.listCollectionsOutput({ namePrefix: "team-0-" }).apply((r) => r.collections.length);
exports.team1 = sp.listCollections({ namePrefix: "team-1-" }).then((r) => r.collections.length);
exports.one = sp.listCollections({ name: "team-1-3" }).then((r) => r.collections.map((c) => c.id));
`,
      );
      for (const command of [["preview"], ["up", "--yes", "--skip-preview"]]) {
        const mark = emu.requests().length;
        await stack.ok(command);
        assert.deepEqual(callsSince(emu, mark), [LIST], command.join(" "));
      }
      const out = JSON.parse((await stack.ok(["stack", "output", "--json"])).stdout) as Record<
        string,
        unknown
      >;
      assert.deepEqual(
        out.names,
        ids.map((_, i) => `team-${i % 2}-${i}`),
      );
      assert.equal(out.team0, 10);
      assert.equal(out.team1, 10);
      assert.deepEqual(out.one, [ids[3]]);
    });
  });
});
