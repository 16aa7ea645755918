import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { keyForms, pulumiBinDir } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import {
  type CliResult,
  changesOf,
  linkRepoModules,
  pulumiEnv,
  spawnPulumi,
  succeeded,
} from "../helpers/pulumi";

const REPO = path.resolve(__dirname, "..", "..");
const EXAMPLES = path.join(REPO, "examples");

/**
 * A copy of one folder of examples/ in a temporary directory, with its own file backend and
 * Pulumi home, run by the real CLI. The program resolves `pulumi-scrapingpros` and `@pulumi/pulumi`
 * through a `node_modules` link to the repository's, as in a user's project.
 */
class ExampleProject {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-example-"));
  readonly projectDir = path.join(this.dir, "project");
  readonly env: NodeJS.ProcessEnv;
  /** Everything the CLI printed, for the leak check. */
  readonly transcript: string[] = [];

  /** `stackFiles`: copy the example's Pulumi.<stack>.yaml files (only per-stage commits them). */
  constructor(
    readonly example: string,
    stackFiles: boolean,
  ) {
    const source = path.join(EXAMPLES, example);
    fs.cpSync(source, this.projectDir, {
      recursive: true,
      // leftovers of a local run of the example are not part of it
      filter: (src) => {
        const base = path.basename(src);
        if (base === "node_modules") return false;
        return stackFiles || !/^Pulumi\..+\.yaml$/.test(base);
      },
    });
    linkRepoModules(this.projectDir);
    this.env = pulumiEnv(pulumiBinDir(), this.dir);
  }

  /** A path inside the copied project. */
  file(...parts: string[]): string {
    return path.join(this.projectDir, ...parts);
  }

  /** Runs `pulumi <args> --non-interactive` in the project; fails with the output on a non-zero exit. */
  async ok(args: string[]): Promise<CliResult> {
    return succeeded(args, await spawnPulumi(args, this.projectDir, this.env, this.transcript).result);
  }

  /** The README's steps: `stack init`, the emulator's URL, the API key as a secret. */
  async init(stack: string, emu: RunningEmulator): Promise<void> {
    await this.ok(["stack", "init", stack]);
    await this.ok(["config", "set", "--stack", stack, "scrapingpros:baseUrl", emu.url]);
    await this.ok(["config", "set", "--stack", stack, "--secret", "scrapingpros:apiKey", TEST_KEY]);
  }

  up(stack: string): Promise<CliResult> {
    return this.ok(["up", "--stack", stack, "--yes", "--skip-preview"]);
  }

  /** `pulumi preview --json`: the change summary (operation → count). */
  async preview(stack: string): Promise<Record<string, number>> {
    const r = await this.ok(["preview", "--stack", stack, "--json"]);
    return (JSON.parse(r.stdout) as { changeSummary?: Record<string, number> }).changeSummary ?? {};
  }

  // biome-ignore lint/suspicious/noExplicitAny: stack outputs are whatever the example exports
  async outputs(stack: string): Promise<Record<string, any>> {
    return JSON.parse((await this.ok(["stack", "output", "--stack", stack, "--json"])).stdout);
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Asserts a preview summary is only `same`, for exactly `expectedCollections` collections (plus the
 * stack and its StackScope).
 */
function assertNoChanges(summary: Record<string, number>, expectedCollections: number): void {
  assert.deepEqual(summary, { same: expectedCollections + 2 });
}

const byName = (emu: RunningEmulator) => new Map(emu.collections().map((c) => [c.name, c]));

describe("e2e: examples (basic, per-stage, gitops) with the real CLI", () => {
  let emu: RunningEmulator;
  const projects: ExampleProject[] = [];
  const project = (example: string, stackFiles = false): ExampleProject => {
    const p = new ExampleProject(example, stackFiles);
    projects.push(p);
    return p;
  };

  beforeEach(async () => {
    emu = await startTestEmulator();
  });
  afterEach(async () => {
    emu.release();
    await emu.stop();
  });
  after(() => {
    for (const p of projects) p.dispose();
  });

  it("basic: a named collection with a callback and an auto-named one; outputs; then no changes", async () => {
    const p = project("basic");
    await p.init("dev", emu);
    await p.up("dev");

    const stored = byName(emu);
    assert.equal(stored.size, 2);
    const tours = stored.get("daily-tours");
    assert.ok(tours, `no daily-tours in ${[...stored.keys()].join(", ")}`);
    assert.equal(tours.callback_url, "https://hooks.example.com/scrapingpros");
    assert.equal(tours.requests.length, 3);
    const prices = [...stored.values()].find((c) => c.name !== "daily-tours");
    assert.match(prices?.name ?? "", /^prices-[0-9a-f]+$/);
    assert.equal(prices?.callback_url, null);
    assert.deepEqual(
      prices?.requests.map((r) => r["url"]),
      ["https://example.org/prices/daily", "https://example.org/prices/weekly"],
    );

    assert.deepEqual(await p.outputs("dev"), {
      toursId: tours.id,
      toursName: "daily-tours",
      toursRequestCount: 3,
      pricesId: prices?.id,
      pricesName: prices?.name,
      pricesRequestCount: 2,
    });

    const calls = emu.requests().length;
    assertNoChanges(await p.preview("dev"), 2);
    assert.equal(emu.requests().length, calls, "preview called the API");
    assert.deepEqual(keyForms(TEST_KEY, p.transcript.join("\n")), []);
  });

  it("per-stage: the committed stack files hold no secrets and no provider config", () => {
    for (const stage of ["dev", "staging", "prod"]) {
      const text = fs.readFileSync(path.join(EXAMPLES, "per-stage", `Pulumi.${stage}.yaml`), "utf8");
      assert.match(text, /per-stage:pagesPerSite: "\d+"/, stage);
      assert.doesNotMatch(text, /secure:|encryptionsalt|scrapingpros:/, stage);
    }
  });

  it("per-stage: dev and prod are two stacks of one project, named by stage, sized by config", async () => {
    const p = project("per-stage", true);
    await p.init("dev", emu);
    await p.up("dev");
    await p.init("prod", emu);
    await p.up("prod");

    const stored = byName(emu);
    assert.deepEqual([...stored.keys()].sort(), ["catalog-dev", "catalog-prod"]);
    const dev = stored.get("catalog-dev");
    const prod = stored.get("catalog-prod");
    // dev: 1 site × 2 pages, no callback, no browser
    assert.equal(dev?.requests.length, 2);
    assert.equal(dev?.callback_url, null);
    assert.deepEqual(dev?.requests[1], {
      url: "https://example.com/catalog?page=2",
      custom_id: "site1-page2",
      browser: false,
    });
    // prod: 2 sites × 5 pages, browser, prod webhook
    assert.equal(prod?.requests.length, 10);
    assert.equal(prod?.callback_url, "https://hooks.example.com/scrapingpros/prod");
    assert.deepEqual(prod?.requests[9], {
      url: "https://example.org/catalog?page=5",
      custom_id: "site2-page5",
      browser: true,
    });
    assert.notEqual(dev?.id, prod?.id);

    const devOut = await p.outputs("dev");
    assert.deepEqual(devOut, { collectionId: dev?.id, collectionName: "catalog-dev", requestCount: 2 });
    assert.equal((await p.outputs("prod")).requestCount, 10);

    assertNoChanges(await p.preview("dev"), 1);
    assertNoChanges(await p.preview("prod"), 1);

    // staging's committed config is valid too: a third stack would create its stack, its
    // StackScope and one collection
    await p.init("staging", emu);
    assert.deepEqual(changesOf(await p.preview("staging")), { create: 3 });
    assert.equal(emu.collections().length, 2, "preview created something");
    assert.deepEqual(keyForms(TEST_KEY, p.transcript.join("\n")), []);
  });

  it("gitops: one collection per file; a new file is one create, an edited file one update", async () => {
    const p = project("gitops");
    await p.init("dev", emu);
    await p.up("dev");

    const stored = byName(emu);
    assert.equal(stored.size, 3);
    assert.equal(stored.get("tours")?.requests.length, 3);
    assert.equal(stored.get("tours")?.callback_url, "https://hooks.example.com/scrapingpros/tours");
    assert.equal(stored.get("reviews")?.requests.length, 1);
    assert.deepEqual(stored.get("reviews")?.requests[0]?.["actions"], [
      { type: "wait-for-timeout", time: 3000 },
    ]);
    const prices = [...stored.values()].find((c) => c.name.startsWith("prices-"));
    assert.equal(prices?.requests.length, 2);
    const out = (await p.outputs("dev"))["collections"];
    assert.deepEqual(Object.keys(out).sort(), ["prices", "reviews", "tours"]);
    assert.deepEqual(out.tours, { id: stored.get("tours")?.id, name: "tours", requestCount: 3 });
    assertNoChanges(await p.preview("dev"), 3);

    // a pull request adds a file: the preview shows one create, and nothing else
    fs.writeFileSync(
      p.file("collections", "news.yaml"),
      "name: news\nrequests:\n  - url: https://example.com/news\n",
    );
    assert.deepEqual(changesOf(await p.preview("dev")), { create: 1 });
    await p.up("dev");
    assert.equal(byName(emu).get("news")?.requests.length, 1);
    assert.equal(emu.collections().length, 4);

    // a pull request edits a file's requests: one update, made in place by the merge's `up`
    const toursFile = p.file("collections", "tours.yaml");
    fs.appendFileSync(toursFile, "  - url: https://example.com/tours/3\n    custom_id: tour-3-en\n");
    assert.deepEqual(changesOf(await p.preview("dev")), { update: 1 });
    const toursId = byName(emu).get("tours")?.id;
    await p.up("dev");
    assert.equal(byName(emu).get("tours")?.id, toursId);
    assert.equal(byName(emu).get("tours")?.requests.length, 4);
    assert.equal(emu.collections().length, 4);
    assertNoChanges(await p.preview("dev"), 4);

    // a file with a typo fails the preview and names the file
    fs.writeFileSync(
      p.file("collections", "typo.yaml"),
      "callback_url: https://hooks.example.com/x\nrequests: []\n",
    );
    await assert.rejects(p.preview("dev"), /collections\/typo\.yaml: unknown field \\"callback_url\\"/);

    // a pull request deletes a file: one delete (the collection leaves the stack, not the account)
    fs.rmSync(p.file("collections", "typo.yaml"));
    fs.rmSync(p.file("collections", "news.yaml"));
    assert.deepEqual(changesOf(await p.preview("dev")), { delete: 1 });
    assert.deepEqual(keyForms(TEST_KEY, p.transcript.join("\n")), []);
  });
});
