import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { keyForms, pulumiBinDir } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import { EXAMPLES, ExampleProject } from "../helpers/example-project";
import { callsSince, installNativePlugin, pluginProcessesLeft } from "../helpers/native-plugin";
import { type CliResult, changesOf, pulumiEnv, spawnPulumi, succeeded } from "../helpers/pulumi";

/**
 * Asserts a preview summary is only `same`, for exactly `expectedCollections` collections (plus the
 * stack and its StackScope).
 */
function assertNoChanges(summary: Record<string, number>, expectedCollections: number): void {
  assert.deepEqual(summary, { same: expectedCollections + 2 });
}

const byName = (emu: RunningEmulator) => new Map(emu.collections().map((c) => [c.name, c]));

describe("e2e: examples (basic, per-stage, yaml) with the real CLI (gitops: gitops.spec.ts)", () => {
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

  it("yaml: its README's quick start outside the repository (the plugin from the plugin cache, the dev stage's committed config, the key a secret): preview, up, a clean preview that writes nothing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-example-yaml-"));
    try {
      const project = path.join(dir, "project");
      fs.cpSync(path.join(EXAMPLES, "yaml"), project, { recursive: true });
      for (const stage of ["dev", "prod"]) {
        const text = fs.readFileSync(path.join(project, `Pulumi.${stage}.yaml`), "utf8");
        assert.match(text, new RegExp(`scrapers:namePrefix: ${stage}\n`));
        assert.doesNotMatch(text, /secure:|encryptionsalt|scrapingpros:/, stage);
      }
      const env = pulumiEnv(pulumiBinDir(), dir);
      const transcript: string[] = [];
      const pulumi = async (args: string[]): Promise<CliResult> =>
        succeeded(args, await spawnPulumi(args, project, env, transcript).result);
      installNativePlugin(env);
      await pulumi(["stack", "init", "dev"]);
      await pulumi(["config", "set", "--secret", "scrapingpros:apiKey", TEST_KEY]);
      await pulumi(["config", "set", "scrapingpros:baseUrl", emu.url]);

      let mark = emu.requests().length;
      const plan = JSON.parse((await pulumi(["preview", "--json"])).stdout) as {
        changeSummary?: Record<string, number>;
      };
      assert.deepEqual(
        changesOf(plan.changeSummary ?? {}),
        { create: 5 },
        "the stack, 3 collections and a run",
      );
      assert.deepEqual(callsSince(emu, mark), [], "the first preview calls nothing");

      const up = await pulumi(["up", "--yes", "--skip-preview"]);
      // The program and its project file draw no diagnostic from the YAML host or the plugin.
      assert.doesNotMatch(up.stdout + up.stderr, /warning|error/i, "up prints no warning");
      const stored = byName(emu);
      assert.equal(stored.size, 3);
      const tours = stored.get("dev-tours");
      assert.equal(tours?.callback_url, "https://hooks.dev.example.com/scrapingpros");
      assert.equal(tours?.requests.length, 2);
      assert.equal(stored.get("dev-reviews")?.requests.length, 2);
      const prices = [...stored.keys()].find((n) => n.startsWith("prices-"));
      assert.match(prices ?? "", /^prices-[0-9a-f]{8}$/);
      const out = JSON.parse((await pulumi(["stack", "output", "--json"])).stdout) as Record<string, string>;
      assert.deepEqual(
        { ...out, runId: undefined },
        {
          toursId: tours?.id,
          toursName: "dev-tours",
          reviewsName: "dev-reviews",
          pricesName: prices,
          runId: undefined,
          runStatus: "in_progress",
        },
      );
      assert.match(out.runId ?? "", /^[0-9a-f-]{36}$/);

      mark = emu.requests().length;
      const clean = await pulumi(["preview", "--expect-no-changes"]);
      assert.doesNotMatch(clean.stdout + clean.stderr, /warning|error/i, "preview prints no warning");
      assert.deepEqual(
        callsSince(emu, mark),
        [`GET /v1/async/collections/${tours?.id}`],
        "no call but the lookup's one GET",
      );
      assert.deepEqual(
        keyForms(TEST_KEY, `${transcript.join("\n")}${(await pulumi(["stack", "export"])).stdout}`),
        [],
      );
      assert.equal(await pluginProcessesLeft(), "");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
