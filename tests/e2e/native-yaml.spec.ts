/**
 * The native provider `scrapingpros` with the real engine, in Pulumi YAML programs run by the
 * upstream YAML language host, the plugin installed into a Pulumi home of the spec's own the way the
 * README says (`npx pulumi-scrapingpros plugin install`): the API calls of each operation counted in
 * the emulator's log (preview of a new program, create, `pulumi import` and the first `up` after it,
 * a clean preview and a no-op `up` with no call at all); two accounts through two explicit providers,
 * each with its own emulator and key; and the interruptions S1-S3 of the design (a lost response, a
 * SIGKILL of the deployment while creates are held, then `pulumi cancel` and a rerun, and the same
 * with the program edited before the rerun). What tests/e2e/native-plugin.spec.ts already counts
 * (an update's 1 PUT, refresh, destroy) is not repeated here.
 */
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import type { RunningEmulator } from "../../emulator";
import { assertCallsWithin } from "../helpers/call-counts";
import { keyForms, pulumiBinDir } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import {
  callsSince,
  installNativePlugin,
  type NativeStack,
  pluginProcessesLeft,
  startNativeStack,
} from "../helpers/native-plugin";
import { changesOf, pulumiEnv } from "../helpers/pulumi";

const REPO = path.resolve(__dirname, "..", "..");
const COLLECTIONS = "/v1/async/collections";

/** A Pulumi YAML program: the project `name` and its sections (resources, variables, outputs…). */
function yamlProgram(name: string, sections: Record<string, unknown>): string {
  // No anchors and aliases for a value used twice: the YAML host refuses them.
  return YAML.stringify({ name, runtime: "yaml", ...sections }, { aliasDuplicateObjects: false });
}

/** A collection's declaration in a YAML program. */
function collection(properties: Record<string, unknown>, options?: Record<string, unknown>) {
  return { type: "scrapingpros:Collection", properties, ...(options ? { options } : {}) };
}

/** Polls until `predicate` holds (the emulator's log is updated as requests arrive). */
async function waitFor(what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `pulumi preview --json` with no change expected: the change summary without `same`. */
async function previewChanges(stack: NativeStack): Promise<Record<string, number>> {
  const r = await stack.cli(["preview", "--json", "--expect-no-changes"]);
  return changesOf((JSON.parse(r.stdout) as { changeSummary?: Record<string, number> }).changeSummary ?? {});
}

/** The resources of `pulumi stack export` (secrets as the backend stores them). */
async function exportedResources(stack: NativeStack): Promise<{
  text: string;
  resources: { type: string; urn: string; id?: string; inputs?: Record<string, unknown> }[];
}> {
  const text = (await stack.cli(["stack", "export"])).stdout;
  const state = JSON.parse(text) as {
    deployment: {
      resources?: { type: string; urn: string; id?: string; inputs?: Record<string, unknown> }[];
    };
  };
  return { text, resources: state.deployment.resources ?? [] };
}

/** The ids of the native collections in the stack's state, sorted. */
async function collectionIdsInState(stack: NativeStack): Promise<string[]> {
  const { resources } = await exportedResources(stack);
  return resources
    .filter((r) => r.type === "scrapingpros:index:Collection")
    .map((r) => r.id as string)
    .sort();
}

/** The ids the emulator holds, sorted. */
function emulatorIds(emu: RunningEmulator): string[] {
  return emu
    .collections()
    .map((c) => c.id)
    .sort();
}

/**
 * Starts `pulumi up` with the program as written, waits until the emulator has committed `creates`
 * collection creates and holds their responses, then SIGKILLs the deployment's process group (CLI,
 * YAML host, plugin) before the engine can save them; then, as a user does, `pulumi cancel` for the
 * lock the killed CLI left.
 */
async function killWhileCreatesHeld(stack: NativeStack, creates: number): Promise<void> {
  const { emu } = stack;
  emu.addFault({ method: "POST", path: COLLECTIONS, action: "hold", times: creates });
  const before = emu.collections().length;
  const up = stack.spawn(["up", "--yes", "--skip-preview"]);
  await waitFor("the held creates", () => emu.collections().length === before + creates);
  process.kill(-(up.pid as number), "SIGKILL");
  assert.equal((await up.result).signal, "SIGKILL");
  emu.release();
  const locked = await stack.spawn(["up", "--yes", "--skip-preview"]).result;
  assert.notEqual(locked.code, 0);
  assert.match(locked.stderr, /the stack is currently locked/);
  await stack.cli(["cancel", "--yes"]);
}

describe("e2e: the native provider in Pulumi YAML programs (calls, import, accounts, interruptions)", function () {
  this.timeout(300_000);
  let root: string;
  let env: NodeJS.ProcessEnv;
  const transcript: string[] = [];
  const stacks: NativeStack[] = [];
  const emulators: RunningEmulator[] = [];

  /** A YAML project of its own under the spec's folder, with a stack `dev` on its own emulator. */
  async function nativeStack(name: string, program: string): Promise<NativeStack> {
    const stack = await startNativeStack(path.join(root, name), env, program, transcript);
    stacks.push(stack);
    return stack;
  }

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "sp-native-yaml-"));
    assert.ok(!fs.realpathSync(root).startsWith(`${fs.realpathSync(REPO)}${path.sep}`));
    // One Pulumi home and file backend for every project: the plugin is installed once, as a user does.
    env = pulumiEnv(pulumiBinDir(), root);
    installNativePlugin(env);
  });
  after(async () => {
    for (const s of stacks.splice(0)) await s.stop();
    for (const e of emulators.splice(0)) {
      e.release();
      await e.stop();
    }
    fs.rmSync(root, { recursive: true, force: true });
  });
  afterEach(async () => {
    assert.equal(await pluginProcessesLeft(), "", "plugin processes left after the CLI exited");
  });

  describe("one stack: calls per operation, pulumi import, a lost response (S1)", () => {
    let stack: NativeStack;
    const resources: Record<string, unknown> = {
      tours: collection({ name: "tours", requests: [{ url: "https://example.com/a" }] }),
      auto: collection({ requests: [{ url: "https://example.com/auto" }] }),
    };
    const write = () =>
      fs.writeFileSync(path.join(stack.dir, "Pulumi.yaml"), yamlProgram("sp-native-calls", { resources }));

    before(async () => {
      stack = await nativeStack("calls", yamlProgram("sp-native-calls", { resources }));
    });

    it("preview of a new program: no call; up: 1 POST per collection, the auto-named one looked up by its name first", async () => {
      let mark = stack.emu.requests().length;
      await stack.cli(["preview"]);
      assert.deepEqual(callsSince(stack.emu, mark), [], "a preview calls nothing");

      mark = stack.emu.requests().length;
      await stack.cli(["up", "--yes", "--skip-preview"]);
      const log = stack.emu.requests().slice(mark);
      const auto = stack.emu.collections().find((c) => c.name !== "tours");
      assert.match(String(auto?.name), /^auto-[0-9a-f]{8}$/);
      assert.deepEqual(
        log.map((r) => `${r.method} ${r.path}${r.method === "GET" ? ` name=${r.query.name}` : ""}`).sort(),
        [`GET ${COLLECTIONS} name=${auto?.name}`, `POST ${COLLECTIONS}`, `POST ${COLLECTIONS}`],
      );
      assert.deepEqual(
        stack.emu
          .collections()
          .map((c) => c.name)
          .sort(),
        [auto?.name, "tours"].sort(),
      );
    });

    it("pulumi import of a collection created outside Pulumi: no write, the YAML it generates declares it; the first up with its requests 1 PUT; then a clean preview and a no-op up with no call", async () => {
      const requests = [{ url: "https://example.com/legacy/1" }, { url: "https://example.com/legacy/2" }];
      const created = await fetch(`${stack.emu.url}${COLLECTIONS}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "legacy", requests }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      const legacyId = ((await created.json()) as { id: string }).id;

      const out = path.join(stack.dir, "imported.yaml");
      let mark = stack.emu.requests().length;
      await stack.cli(["import", "scrapingpros:index:Collection", "legacy", legacyId, "--yes", "--out", out]);
      // One read by the import's preview, one by the import: no write.
      assert.deepEqual(
        callsSince(stack.emu, mark),
        [`GET ${COLLECTIONS}/${legacyId}`, `GET ${COLLECTIONS}/${legacyId}`],
        "the import reads the collection and writes nothing",
      );

      const generated = YAML.parse(fs.readFileSync(out, "utf8")) as {
        resources: Record<
          string,
          { type: string; properties: Record<string, unknown>; options?: Record<string, unknown> }
        >;
      };
      const legacy = generated.resources.legacy;
      assert.ok(legacy, `the generated code declares the collection:\n${fs.readFileSync(out, "utf8")}`);
      assert.match(legacy.type, /^scrapingpros:(index:)?Collection$/);
      assert.equal(legacy.properties.name, "legacy");
      assert.deepEqual(legacy.properties.requests, [], "GET cannot show the requests");
      assert.equal(legacy.options?.protect, true, "pulumi import protects what it imports");

      // The generated declaration, as is (options included), with the requests put in.
      resources.legacy = { ...legacy, properties: { ...legacy.properties, requests } };
      write();
      mark = stack.emu.requests().length;
      const up = await stack.cli(["up", "--yes", "--skip-preview"]);
      assert.match(up.stdout, /~ 1 updated/);
      assert.deepEqual(callsSince(stack.emu, mark), [`PUT ${COLLECTIONS}/${legacyId}`]);
      assert.deepEqual(stack.emu.collections().find((c) => c.id === legacyId)?.requests, requests);

      mark = stack.emu.requests().length;
      assert.deepEqual(await previewChanges(stack), {});
      assert.deepEqual(callsSince(stack.emu, mark), [], "a clean preview calls nothing");

      mark = stack.emu.requests().length;
      await stack.cli(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
      assert.deepEqual(callsSince(stack.emu, mark), [], "a no-op up calls nothing");
      assert.equal(stack.emu.collections().length, 3);
    });

    it("S1 lost response: the create's answer dropped after the API committed it; the retry with the same key is replayed: one collection, recorded in the stack; the next preview is clean", async () => {
      stack.emu.addFault({ method: "POST", path: COLLECTIONS, action: "drop-after-commit" });
      resources.lost = collection({ name: "lost", requests: [{ url: "https://example.com/lost" }] });
      write();
      const mark = stack.emu.requests().length;
      await stack.cli(["up", "--yes", "--skip-preview"]);
      const posts = stack.emu
        .requests()
        .slice(mark)
        .filter((r) => r.method === "POST");
      assert.deepEqual(
        posts.map((p) => [p.fault, p.replayed]),
        [
          ["drop-after-commit", false],
          [null, true],
        ],
      );
      // The replay is followed by 1 PUT of the declaration (a replayed collection may have changed since).
      assert.deepEqual(callsSince(stack.emu, mark).sort(), [
        `POST ${COLLECTIONS}`,
        `POST ${COLLECTIONS}`,
        `PUT ${COLLECTIONS}/${stack.emu.collections().find((c) => c.name === "lost")?.id}`,
      ]);
      assert.ok(posts[0]?.idempotencyKey);
      assert.equal(posts[0]?.idempotencyKey, posts[1]?.idempotencyKey);
      assert.equal(stack.emu.collections().filter((c) => c.name === "lost").length, 1);
      assert.deepEqual(await collectionIdsInState(stack), emulatorIds(stack.emu));

      const before = stack.emu.requests().length;
      assert.deepEqual(await previewChanges(stack), {});
      assert.deepEqual(callsSince(stack.emu, before), []);
    });
  });

  it("two accounts: two pulumi:providers:scrapingpros with their own key and URL; each collection, run and lookup goes to its own account; the keys, secret config values, stay encrypted in the state and never show", async () => {
    // Keys of the spec's own, unlike any other test's: a leak of either is found by its text.
    const keys = { eu: `sp-eu-${randomUUID()}`, us: `sp-us-${randomUUID()}` };
    const accounts = {
      eu: await startTestEmulator({ apiKey: keys.eu }),
      us: await startTestEmulator({ apiKey: keys.us }),
    };
    emulators.push(accounts.eu, accounts.us);
    const resources: Record<string, unknown> = {};
    const variables: Record<string, unknown> = {};
    const outputs: Record<string, string> = {};
    for (const a of ["eu", "us"] as const) {
      resources[a] = {
        type: "pulumi:providers:scrapingpros",
        properties: { apiKey: `\${${a}Key}`, baseUrl: `\${${a}Url}` },
      };
      // The same name in both accounts: each provider's own.
      resources[`${a}Tours`] = collection(
        { name: "tours", requests: [{ url: `https://example.com/${a}` }] },
        { provider: `\${${a}}` },
      );
      resources[`${a}Run`] = {
        type: "scrapingpros:CollectionRun",
        properties: { collectionId: `\${${a}Tours.id}`, wait: "none" },
        options: { provider: `\${${a}}` },
      };
      variables[`${a}Found`] = {
        "fn::invoke": {
          function: "scrapingpros:getCollection",
          arguments: { id: `\${${a}Tours.id}` },
          options: { provider: `\${${a}}` },
        },
      };
      outputs[`${a}Id`] = `\${${a}Tours.id}`;
      outputs[`${a}RunId`] = `\${${a}Run.runId}`;
      outputs[`${a}FoundName`] = `\${${a}Found.name}`;
    }
    // The default provider (the stack config's account) is configured too, and must get nothing.
    const stack = await nativeStack(
      "accounts",
      yamlProgram("sp-native-accounts", {
        config: {
          euKey: { type: "string" },
          usKey: { type: "string" },
          euUrl: { type: "string" },
          usUrl: { type: "string" },
        },
        resources,
        variables,
        outputs,
      }),
    );
    await stack.cli([
      "config",
      "set-all",
      "--secret",
      `euKey=${keys.eu}`,
      "--secret",
      `usKey=${keys.us}`,
      "--plaintext",
      `euUrl=${accounts.eu.url}`,
      "--plaintext",
      `usUrl=${accounts.us.url}`,
    ]);

    await stack.cli(["up", "--yes", "--skip-preview"]);
    const out = JSON.parse((await stack.cli(["stack", "output", "--json"])).stdout) as Record<
      string,
      unknown
    >;
    assert.deepEqual(stack.emu.requests(), [], "the default provider's account gets no call");
    for (const a of ["eu", "us"] as const) {
      const emu = accounts[a];
      const [held] = emu.collections();
      assert.deepEqual(
        emu.collections().map((c) => [c.name, c.requests]),
        [["tours", [{ url: `https://example.com/${a}` }]]],
        `${a}: its own collection only`,
      );
      assert.equal(out[`${a}Id`], held?.id);
      assert.equal(out[`${a}FoundName`], "tours");
      assert.deepEqual(
        callsSince(emu, 0).sort(),
        [
          `GET ${COLLECTIONS}/${held?.id}`, // the lookup
          `GET ${COLLECTIONS}/${held?.id}/runs`, // the run re-attaches to nothing
          `POST ${COLLECTIONS}`,
          `POST ${COLLECTIONS}/${held?.id}/run`,
        ].sort(),
        `${a}: the calls of its collection, run and lookup`,
      );
      assert.ok(
        emu.requests().every((r) => r.status !== null && r.status < 300),
        `${a}: every call authorized`,
      );
      assert.match(String(out[`${a}RunId`]), /\S/);
    }

    const { text, resources: state } = await exportedResources(stack);
    for (const a of ["eu", "us"] as const) {
      const provider = state.find(
        (r) => r.type === "pulumi:providers:scrapingpros" && r.urn.endsWith(`::${a}`),
      );
      assert.ok(
        provider?.inputs?.apiKey &&
          typeof (provider.inputs.apiKey as { ciphertext?: unknown }).ciphertext === "string",
        `${a}: the key is encrypted in the provider's state`,
      );
      assert.deepEqual(keyForms(keys[a], text), [], `${a}: the key in the exported state`);
      assert.deepEqual(keyForms(keys[a], transcript.join("")), [], `${a}: the key in the CLI's output`);
    }
    assert.deepEqual(keyForms(TEST_KEY, text), []);
  });

  it("S2 and S3: SIGKILL of the deployment while creates are held, pulumi cancel, rerun: one collection per resource; killed then edited: auto-named and adoptExisting collections converge with a lookup and 1 PUT each, no 422", async () => {
    const resources: Record<string, unknown> = {
      named: collection({ name: "named", requests: [{ url: "https://example.com/n" }] }),
      auto: collection({ requests: [{ url: "https://example.com/a" }] }),
    };
    const stack = await nativeStack("killed", yamlProgram("sp-native-killed", { resources }));
    const write = () =>
      fs.writeFileSync(path.join(stack.dir, "Pulumi.yaml"), yamlProgram("sp-native-killed", { resources }));
    const { emu } = stack;

    // S2
    await killWhileCreatesHeld(stack, 2);
    assert.equal(emu.collections().length, 2);
    assert.deepEqual(await collectionIdsInState(stack), [], "the killed deployment saved no collection");
    let mark = emu.requests().length;
    const rerun = await stack.cli(["up", "--yes", "--skip-preview"]);
    assert.match(
      rerun.stdout + rerun.stderr,
      /pending operation/i,
      "the engine reports the unfinished creates",
    );
    assert.equal(emu.collections().length, 2, "no second collection");
    assert.deepEqual(await collectionIdsInState(stack), emulatorIds(emu));
    // named: the same key, replayed, then 1 PUT of the declaration; auto: found by its name, 1 PUT.
    const s2 = emu.requests().slice(mark);
    assert.deepEqual(s2.map((r) => r.method).sort(), ["GET", "POST", "PUT", "PUT"]);
    assert.equal(s2.find((r) => r.method === "POST")?.replayed, true);
    mark = emu.requests().length;
    assert.deepEqual(await previewChanges(stack), {});
    assert.deepEqual(callsSince(emu, mark), []);

    // S3, on the same stack: two more collections, killed while created, edited before the rerun.
    resources.later = collection({ requests: [{ url: "https://example.com/v1" }] });
    resources.adopting = collection({
      name: "adopting",
      adoptExisting: true,
      requests: [{ url: "https://example.com/v1" }],
    });
    write();
    await killWhileCreatesHeld(stack, 2);
    assert.equal(emu.collections().length, 4);
    const v2 = [{ url: "https://example.com/v2" }, { url: "https://example.com/v3" }];
    (resources.later as { properties: Record<string, unknown> }).properties.requests = v2;
    (resources.adopting as { properties: Record<string, unknown> }).properties.requests = v2;
    write();
    mark = emu.requests().length;
    await stack.cli(["up", "--yes", "--skip-preview"]);
    const s3 = emu.requests().slice(mark);
    assertCallsWithin(
      s3.map((r) => `${r.method} ${r.path}`),
      [
        "GET /v1/async/collections",
        "GET /v1/async/collections",
        ...s3.filter((r) => r.method === "PUT").map((r) => `PUT ${r.path}`),
      ],
      "each collection: a lookup (the two may share a list call) and one adopting PUT",
    );
    assert.equal(
      new Set(s3.filter((r) => r.method === "PUT").map((r) => r.path)).size,
      2,
      "one adopting PUT each",
    );
    assert.ok(!s3.some((r) => r.status === 422));
    assert.equal(emu.collections().length, 4, "no second collection");
    const later = emu.collections().find((c) => c.name.startsWith("later-"));
    assert.deepEqual(later?.requests, v2);
    assert.deepEqual(emu.collections().find((c) => c.name === "adopting")?.requests, v2);
    assert.deepEqual(await collectionIdsInState(stack), emulatorIds(emu));
    mark = emu.requests().length;
    assert.deepEqual(await previewChanges(stack), {});
    assert.deepEqual(callsSince(emu, mark), []);
  });
});
