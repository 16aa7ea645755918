import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { keyForms, useStack } from "../helpers/e2e";
import { closeTestClients, TEST_KEY, testClient } from "../helpers/emulator";
import type { TestStack } from "../helpers/pulumi";

// Lookups in a real program under the real CLI: they read scrapingpros:* stack config (the key is a
// secret config value here), call during preview when their inputs are known, make no call while an
// input is unknown, and never show the key.
const PROGRAM = `"use strict";
const fs = require("node:fs");
const path = require("node:path");
const sp = require("pulumi-scrapingpros");
const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "lookup.json"), "utf8"));
const own = new sp.Collection("own", { name: "own-collection", requests: [] });
exports.theirs = sp.getCollectionOutput({ id: spec.theirId });
exports.listed = sp.listCollectionsOutput({ namePrefix: "shared-" }).apply((r) => r.collections.map((c) => c.name));
exports.run = sp.getRunOutput({ collectionId: spec.theirId, runId: spec.runId });
// The id of a collection created by this program is unknown in the first preview: no call then.
exports.ownLookedUp = sp.getCollectionOutput({ id: own.id }).apply((c) => c.name);
exports.direct = sp.getCollection({ id: spec.theirId }).then((c) => c.name);
`;

describe("e2e: lookups (getCollection, listCollections, getRun)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  useStack((h) => ({ emu, stack } = h));
  after(closeTestClients);

  it("read another team's collection and run; preview calls only for known inputs; no key in any output", async () => {
    const { client } = testClient(emu);
    const theirs = await client.collections.create({
      name: "shared-tours",
      requests: [{ url: "https://example.com/a" }, { url: "https://example.com/fail" }],
    });
    await client.collections.create({ name: "shared-hotels", requests: [] });
    const run = await client.runs.create(theirs.data.id);
    emu.advanceClock(5_000);
    fs.writeFileSync(path.join(stack.projectDir, "index.js"), PROGRAM);
    fs.writeFileSync(
      path.join(stack.projectDir, "lookup.json"),
      JSON.stringify({ theirId: theirs.data.id, runId: run.data.run_id }),
    );

    const mark = emu.requests().length;
    await stack.ok(["preview"]);
    const previewCalls = emu
      .requests()
      .slice(mark)
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    // getCollection twice (Output form and direct) and the list: the lookups made together share
    // one list call (a lookup made alone makes its own); the run; nothing for the unknown id.
    const runCall = `GET /v1/async/collections/${theirs.data.id}/runs/${run.data.run_id}`;
    assert.deepEqual(
      previewCalls.filter((c) => c === runCall),
      [runCall],
    );
    const collectionCalls = previewCalls.filter((c) => c !== runCall);
    assert.ok(collectionCalls.length >= 1 && collectionCalls.length <= 3, collectionCalls.join(", "));
    assert.ok(
      collectionCalls.every(
        (c) => c === "GET /v1/async/collections" || c === `GET /v1/async/collections/${theirs.data.id}`,
      ),
    );
    assert.equal(emu.collections().length, 2, "preview created nothing");

    await stack.up();
    const outputs = (await stack.ok(["stack", "output", "--json"])).stdout;
    const o = JSON.parse(outputs) as Record<string, unknown>;
    // Times as ISO 8601 UTC strings (the API sends epoch seconds), as on Collection and CollectionRun.
    const iso = (sec: number | null | undefined) => new Date((sec ?? Number.NaN) * 1000).toISOString();
    const api = (await client.collections.get(theirs.data.id)).data;
    assert.deepEqual(o.theirs, {
      id: theirs.data.id,
      name: "shared-tours",
      createdAt: iso(api.created_at),
      updatedAt: iso(api.updated_at),
    });
    assert.deepEqual((o.listed as string[]).sort(), ["shared-hotels", "shared-tours"]);
    const r = o.run as Record<string, unknown>;
    assert.equal(r.runId, run.data.run_id);
    assert.equal(r.status, "completed");
    assert.equal(r.successRequests, 1);
    assert.equal(r.failedRequests, 1);
    // No webhook: the key is absent (undefined), as on the resources; no created_at in the single-run answer.
    assert.equal("callbackUrl" in r, false);
    assert.equal(r.createdAt, null);
    assert.equal(o.ownLookedUp, "own-collection");
    assert.equal(o.direct, "shared-tours");

    // The key: set as a secret config value, used as the Bearer header only.
    // (The decrypted export would show it as the default pulumi-nodejs provider's config input, as
    // for every stack: see steady-state.spec.ts; the encrypted one must not.)
    const text = stack.transcript.join("\n") + outputs + (await stack.exportText());
    assert.deepEqual(keyForms(TEST_KEY, text), []);
  });
});
