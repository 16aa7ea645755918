/**
 * After every create, however the API answered it (a replay of an earlier create,
 * an adoption by name, an adoption by id), the account holds exactly what is declared and the stack
 * records what the account holds. Checked in the emulator's store, not only in the stack.
 */
import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { closeTestClients, startTestEmulator, testClient } from "../helpers/emulator";
import { UserProject } from "../helpers/user-project";

const A = [{ url: "https://example.com/a", custom_id: "a" }];
const B = [
  { url: "https://example.com/b", custom_id: "b" },
  { url: "https://example.com/b2", custom_id: "b2" },
];

/** A program of one explicitly named collection `logical` (plus, optionally, an auto-named one). */
function program(
  logical: string,
  args: { name?: string; requests: unknown; callbackUrl?: string; adoptExisting?: boolean; adoptId?: string },
  withAuto = false,
): string {
  const json = JSON.stringify(args);
  const autoArgs = JSON.stringify({ requests: args.requests, callbackUrl: args.callbackUrl });
  return `import { Collection } from "pulumi-scrapingpros";

const declared = new Collection("${logical}", ${json});
export const id = declared.id;
${withAuto ? `export const autoId = new Collection("${logical}-auto", ${autoArgs}).id;\n` : ""}`;
}

/** One logged API call: method, path, status and whether the API replayed it. */
function callsSince(emu: RunningEmulator, mark: number): string[] {
  return emu
    .requests()
    .slice(mark)
    .map((r) => `${r.method} ${r.path} ${r.status}${r.replayed ? " replayed" : ""}`);
}

describe("e2e: re-creation holds what is declared", () => {
  let emu: RunningEmulator;
  let project: UserProject;

  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    await closeTestClients();
    emu.release();
    await emu.stop();
  });
  beforeEach(async () => {
    emu.reset();
    project = new UserProject();
    await project.initAgainst(emu);
  });
  afterEach(() => {
    project.dispose();
  });

  /** Deploys `source`; returns the API calls it made. */
  async function up(source: string): Promise<string[]> {
    project.writeProgram(source);
    const mark = emu.requests().length;
    await project.up();
    return callsSince(emu, mark);
  }

  /** The stack's record of its collections: logical name → id, name and requests. */
  async function recorded(): Promise<Record<string, { id: string; name: unknown; requests: unknown }>> {
    const out: Record<string, { id: string; name: unknown; requests: unknown }> = {};
    for (const c of await project.collections()) {
      out[c.urn.split("::").pop() as string] = {
        id: c.id,
        name: c.outputs.name,
        requests: c.outputs.requests,
      };
    }
    return out;
  }

  /** The next preview is clean and calls nothing. */
  async function clean(): Promise<void> {
    const mark = emu.requests().length;
    await project.expectNoChanges();
    assert.deepEqual(callsSince(emu, mark), []);
  }

  /** Deploys A, then B (one PUT); returns the collection's id. */
  async function deployAThenB(logical: string): Promise<string> {
    const p = "/v1/async/collections";
    assert.deepEqual(await up(program(logical, { name: logical, requests: A })), [`POST ${p} 201`]);
    const [first] = emu.collections();
    assert.ok(first);
    assert.deepEqual(await up(program(logical, { name: logical, requests: B })), [
      `PUT ${p}/${first.id} 200`,
    ]);
    assert.deepEqual(emu.collections()[0]?.requests, B);
    return first.id;
  }

  /** Removes the Collection `logical` from the stack's state only (`pulumi state delete`); 0 calls. */
  async function forget(logical: string): Promise<void> {
    const [c] = (await project.collections()).filter((r) => r.urn.endsWith(`::${logical}`));
    assert.ok(c);
    const mark = emu.requests().length;
    await project.ok(["state", "delete", c.urn, "--yes"]);
    assert.deepEqual(callsSince(emu, mark), []);
  }

  it("the issue's input: A, B (one PUT), back to A, destroy, up: the stack's collection holds A", async () => {
    const p = "/v1/async/collections";
    const first = await deployAThenB("tours");

    // Back to A in the program, then destroy (the collection stays in the account, holding B).
    project.writeProgram(program("tours", { name: "tours", requests: A }));
    const mark = emu.requests().length;
    await project.ok(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(callsSince(emu, mark), []);

    // destroy removed the stack's scope with the rest of its state (README, "Identity"): the next
    // up has a new scope, so a new key, and creates a new collection instead of replaying B's.
    assert.deepEqual(await up(program("tours", { name: "tours", requests: A })), [`POST ${p} 201`]);
    const held = emu.collections().map((c) => ({ id: c.id, name: c.name, requests: c.requests }));
    assert.equal(held.length, 2);
    const second = held.find((c) => c.id !== first);
    assert.deepEqual(second?.requests, A, "the account does not hold what is declared");
    assert.deepEqual(await recorded(), { tours: { id: second?.id, name: "tours", requests: A } });
    await clean();
  });

  it("the issue's input with `pulumi state delete` instead of destroy: the create is replayed, then one PUT of A", async () => {
    const p = "/v1/async/collections";
    const id = await deployAThenB("tours");
    project.writeProgram(program("tours", { name: "tours", requests: A }));
    await forget("tours");

    // The same URN, scope and body as the first create: the API replays it (the collection holds
    // B); the provider then PUTs the declaration.
    assert.deepEqual(await up(program("tours", { name: "tours", requests: A })), [
      `POST ${p} 201 replayed`,
      `PUT ${p}/${id} 200`,
    ]);
    assert.deepEqual(
      emu.collections().map((c) => ({ id: c.id, name: c.name, requests: c.requests })),
      [{ id, name: "tours", requests: A }],
      "the account does not hold what is declared",
    );
    assert.deepEqual(await recorded(), { tours: { id, name: "tours", requests: A } });
    await clean();
  });

  it("the replayed collection no longer exists: a new one is created with a new key and holds A", async () => {
    const p = "/v1/async/collections";
    const id = await deployAThenB("gone");
    project.writeProgram(program("gone", { name: "gone", requests: A }));
    await forget("gone");
    assert.ok(emu.removeCollection(id), "the emulator could not remove the collection");

    const calls = await up(program("gone", { name: "gone", requests: A }));
    assert.deepEqual(calls, [`POST ${p} 201 replayed`, `PUT ${p}/${id} 404`, `POST ${p} 201`]);
    const [replayedKey, freshKey] = emu
      .requests()
      .filter((r) => r.method === "POST")
      .slice(-2)
      .map((r) => r.idempotencyKey);
    assert.ok(freshKey && replayedKey !== freshKey, "the new create reused the replayed key");
    const held = emu.collections().map((c) => ({ id: c.id, name: c.name, requests: c.requests }));
    assert.equal(held.length, 1);
    assert.deepEqual(held[0] && { name: held[0].name, requests: held[0].requests }, {
      name: "gone",
      requests: A,
    });
    assert.deepEqual(await recorded(), { gone: { id: held[0]?.id, name: "gone", requests: A } });
    await clean();
  });

  it("replace and back: callbackUrl X, requests edited, Y, then X again with A: new collections hold A", async () => {
    const X = "https://hooks.example.com/x";
    const Y = "https://hooks.example.com/y";
    const p = "/v1/async/collections";
    await up(program("hooks", { name: "hooks", requests: A, callbackUrl: X }, true));
    await up(program("hooks", { name: "hooks", requests: B, callbackUrl: X }, true));
    // Replacement: new collections with Y; the X ones stay in the account, holding B.
    await up(program("hooks", { name: "hooks", requests: B, callbackUrl: Y }, true));
    assert.equal(emu.collections().length, 4);
    const earlier = new Set(emu.collections().map((c) => c.id));
    for (const c of emu.collections()) assert.deepEqual(c.requests, B, `${c.name} (${c.callback_url})`);

    // Back to X with A, another replacement: a replacement has a new identity (README), so neither
    // the earlier X collections (holding B) are replayed or adopted; new ones are created with A.
    const calls = await up(program("hooks", { name: "hooks", requests: A, callbackUrl: X }, true));
    assert.deepEqual(calls.slice().sort(), [`GET ${p} 200`, `POST ${p} 201`, `POST ${p} 201`]);
    const state = await recorded();
    const held = new Map(emu.collections().map((c) => [c.id, c]));
    assert.equal(held.size, 6);
    for (const logical of ["hooks", "hooks-auto"]) {
      const id = state[logical]?.id ?? "";
      assert.ok(!earlier.has(id), `${logical} is an earlier collection`);
      assert.deepEqual(held.get(id)?.requests, A, `${logical} does not hold A`);
      assert.equal(held.get(id)?.callback_url, X);
      assert.equal(held.get(id)?.name, state[logical]?.name);
    }
    assert.equal(state["hooks"]?.name, "hooks");
    await clean();
  });

  it("adoption by name (adoptExisting) of a collection holding other requests applies the declared ones", async () => {
    const { client } = testClient(emu);
    const existing = await client.collections.create({ name: "legacy", requests: B });
    const id = existing.data.id;
    const p = "/v1/async/collections";
    const calls = await up(program("legacy", { name: "legacy", adoptExisting: true, requests: A }));
    assert.deepEqual(calls, [`GET ${p} 200`, `PUT ${p}/${id} 200`]);
    assert.deepEqual(
      emu.collections().map((c) => ({ id: c.id, name: c.name, requests: c.requests })),
      [{ id, name: "legacy", requests: A }],
    );
    assert.deepEqual(await recorded(), { legacy: { id, name: "legacy", requests: A } });
    await clean();
  });

  it("adoption by id (adoptId) of a collection with another name and requests applies the declared ones", async () => {
    const { client } = testClient(emu);
    const existing = await client.collections.create({ name: "old-name", requests: B });
    const id = existing.data.id;
    const p = "/v1/async/collections";
    const calls = await up(program("adopted", { name: "new-name", adoptId: id, requests: A }));
    assert.deepEqual(calls, [`GET ${p}/${id} 200`, `PUT ${p}/${id} 200`]);
    assert.deepEqual(
      emu.collections().map((c) => ({ id: c.id, name: c.name, requests: c.requests })),
      [{ id, name: "new-name", requests: A }],
    );
    assert.deepEqual(await recorded(), { adopted: { id, name: "new-name", requests: A } });
    await clean();
  });
});
