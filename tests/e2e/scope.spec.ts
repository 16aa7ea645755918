/**
 * Two stacks with the same project and stack names on two backends (two
 * developers' local `dev` stacks), one API key, one account: each gets its own collections. No
 * create of one is replayed or adopted by the other, and each stack's next preview is clean.
 */
import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../helpers/emulator";
import { UserProject } from "../helpers/user-project";

const PROGRAM = (reports: string) => `import * as pulumi from "@pulumi/pulumi";
import { Collection } from "pulumi-scrapingpros";

class Pipeline extends pulumi.ComponentResource {
  constructor(name: string) {
    super("acme:scrape:Pipeline", name, {}, {});
    new Collection(\`\${name}-feed\`, { requests: [{ url: "https://example.com/feed" }] }, { parent: this });
    this.registerOutputs({});
  }
}
new Pipeline("tours");
new Collection("jobs", { requests: [{ url: "https://example.com/jobs" }] });
new Collection("reports", { name: "reports", requests: [{ url: "${reports}" }] });
`;

describe("e2e: two `dev` stacks of one project on two backends, one API key", () => {
  let emu: RunningEmulator;
  let alice: UserProject;
  let bob: UserProject;
  /** Each stack's collections by logical name. */
  const ids: Record<string, Record<string, { id: string; name: string }>> = {};

  before(async () => {
    emu = await startTestEmulator();
    alice = new UserProject();
    bob = new UserProject();
    await alice.initAgainst(emu);
    await bob.initAgainst(emu);
  });
  after(async () => {
    alice?.dispose();
    bob?.dispose();
    emu.release();
    await emu.stop();
  });

  for (const who of ["alice", "bob"] as const) {
    it(`${who} deploys the program: 3 new collections, no create replayed, nothing adopted`, async () => {
      const stack = who === "alice" ? alice : bob;
      stack.writeProgram(PROGRAM("https://example.com/reports"));
      const mark = emu.requests().length;
      const before = new Set(emu.collections().map((c) => c.id));
      await stack.up();
      const calls = emu.requests().slice(mark);
      // The two auto-named collections' lookups by name may share one list call.
      const gets = calls.filter((c) => c.method === "GET");
      assert.ok(
        gets.length >= 1 && gets.length <= 2,
        `${gets.length} lookups for two auto-named collections`,
      );
      assert.deepEqual(
        calls.map((c) => `${c.method} ${c.status}${c.replayed ? " replayed" : ""}`).sort(),
        [...gets.map(() => "GET 200"), "POST 201", "POST 201", "POST 201"],
        "the lookups and one create each, none replayed",
      );
      const created = emu.collections().filter((c) => !before.has(c.id));
      assert.equal(created.length, 3);
      ids[who] = await stack.collectionsByName();
      assert.deepEqual(
        Object.values(ids[who])
          .map((c) => c.id)
          .sort(),
        created.map((c) => c.id).sort(),
        "the stack records collections it did not create",
      );
      const markPreview = emu.requests().length;
      await stack.expectNoChanges();
      assert.equal(emu.requests().length, markPreview, "preview called the API");
    });
  }

  it("the stacks hold different collections; auto-names differ, the explicit name is used twice", () => {
    const a = ids["alice"];
    const b = ids["bob"];
    assert.ok(a && b);
    assert.deepEqual(Object.keys(a).sort(), ["jobs", "reports", "tours-feed"]);
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const logical of Object.keys(a)) {
      assert.notEqual(a[logical]?.id, b[logical]?.id, `${logical}: both stacks manage one collection`);
    }
    assert.notEqual(a["jobs"]?.name, b["jobs"]?.name);
    assert.notEqual(a["tours-feed"]?.name, b["tours-feed"]?.name);
    assert.match(a["jobs"]?.name ?? "", /^jobs-[0-9a-f]{8}$/);
    assert.match(b["jobs"]?.name ?? "", /^jobs-[0-9a-f]{8}$/);
    // The API does not say names are unique; two collections named "reports" is what was declared.
    assert.equal(emu.collections().filter((c) => c.name === "reports").length, 2);
    assert.equal(emu.collections().length, 6);
    const keys = emu
      .requests()
      .filter((r) => r.method === "POST")
      .map((r) => r.idempotencyKey);
    assert.equal(new Set(keys).size, 6, "two creates shared an idempotency key");
    assert.ok(!emu.requests().some((r) => r.replayed || r.method === "PUT"));
  });

  it("an edit in one stack is one PUT to that stack's collection; the other stack sees no change", async () => {
    bob.writeProgram(PROGRAM("https://example.com/reports-v2"));
    const mark = emu.requests().length;
    await bob.up();
    const bobReports = ids["bob"]?.["reports"]?.id;
    assert.deepEqual(
      emu
        .requests()
        .slice(mark)
        .map((r) => `${r.method} ${r.path}`),
      [`PUT /v1/async/collections/${bobReports}`],
    );
    const aliceReports = emu.collections().find((c) => c.id === ids["alice"]?.["reports"]?.id);
    assert.deepEqual(aliceReports?.requests, [{ url: "https://example.com/reports" }]);
    const markAlice = emu.requests().length;
    await alice.expectNoChanges();
    await alice.up();
    assert.equal(emu.requests().length, markAlice, "alice's stack called the API");
  });
});
