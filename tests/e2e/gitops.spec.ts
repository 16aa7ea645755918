import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { keyForms } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import { ExampleProject } from "../helpers/example-project";
import { changesOf } from "../helpers/pulumi";

const byName = (emu: RunningEmulator) => new Map(emu.collections().map((c) => [c.name, c]));

/**
 * The gitops example as its README runs it: one project, a stack per stage (each with its own
 * account, here its own emulator), `collections/` shared, `stages/<stack>/` overlays.
 */
describe("e2e: gitops example (CollectionSet, per-stage overlays, validate CLI) with the real CLI", () => {
  let dev: RunningEmulator;
  let prod: RunningEmulator;
  let p: ExampleProject;

  before(async () => {
    dev = await startTestEmulator();
    prod = await startTestEmulator();
    p = new ExampleProject("gitops", false);
  });
  after(async () => {
    for (const emu of [dev, prod]) {
      emu.release();
      await emu.stop();
    }
    p.dispose();
  });

  /** `node <the installed package's bin> <args>` in the project, as `npx pulumi-scrapingpros` runs it. */
  const cli = (...args: string[]) => {
    const pkgDir = path.dirname(
      require.resolve("pulumi-scrapingpros/package.json", { paths: [p.projectDir] }),
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
    const bin = path.join(pkgDir, pkg.bin["pulumi-scrapingpros"]);
    assert.match(fs.readFileSync(bin, "utf8"), /^#!\/usr\/bin\/env node\n/);
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: p.projectDir, encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("the files name the shipped schema; validate passes them per stage and sums up what they cost", () => {
    for (const rel of ["collections/tours.yaml", "stages/dev/tours.yaml", "stages/dev/smoke.yaml"]) {
      const first = fs.readFileSync(p.file(rel), "utf8").split("\n")[0] ?? "";
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      assert.ok(m?.[1], `${rel}: ${first}`);
      assert.ok(
        fs.existsSync(path.resolve(path.dirname(p.file(rel)), m[1])),
        `${rel}: ${m[1]} does not resolve`,
      );
    }
    const r = cli(
      "validate",
      "collections",
      "--overlay",
      "stages/dev",
      "--overlay",
      "stages/prod",
      "--summary",
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(
      r.stdout,
      [
        "stage  collections  requests  browser  screenshot  proxy  actions",
        "base   3            6         4        1           1      1",
        "dev    4            5         1        1           1      1",
        "prod   3            8         6        1           3      1",
        "",
      ].join("\n"),
    );
  });

  it("dev and prod deploy the base files with their overlays; new file: one create; edit: one update; an overlay change touches only its stage", async () => {
    await p.init("dev", dev);
    await p.init("prod", prod);
    await p.up("dev");
    await p.up("prod");

    const d = byName(dev);
    const devPrices = [...d.values()].find((c) => c.name.startsWith("scrapes-prices-"));
    const devSmoke = [...d.values()].find((c) => c.name.startsWith("scrapes-smoke-"));
    assert.equal(d.size, 4, [...d.keys()].join(", "));
    assert.equal(d.get("tours")?.requests.length, 1);
    assert.equal(d.get("tours")?.callback_url, "https://hooks.example.com/scrapingpros/dev/tours");
    assert.equal(d.get("reviews")?.requests.length, 1);
    assert.equal(devPrices?.requests.length, 2);
    assert.deepEqual(devSmoke?.requests, [{ url: "https://example.com/", custom_id: "smoke" }]);
    const pr = byName(prod);
    assert.equal(pr.size, 3, [...pr.keys()].join(", "));
    assert.equal(pr.get("tours")?.requests.length, 3);
    assert.equal(pr.get("tours")?.callback_url, "https://hooks.example.com/scrapingpros/tours");
    assert.equal(pr.get("reviews")?.requests.length, 3);

    const out = (await p.outputs("dev"))["collections"];
    assert.deepEqual(Object.keys(out).sort(), [
      "collections/prices.yaml",
      "collections/reviews.yaml",
      "collections/tours.yaml",
      "stages/dev/smoke.yaml",
    ]);
    assert.deepEqual(out["collections/tours.yaml"], {
      id: d.get("tours")?.id,
      name: "tours",
      requestCount: 1,
    });
    assert.deepEqual(out["stages/dev/smoke.yaml"], {
      id: devSmoke?.id,
      name: devSmoke?.name,
      requestCount: 1,
    });

    // a pull request changes prod's overlay: dev has nothing to do (and calls nothing), prod one update
    const devCalls = dev.requests().length;
    const prodCalls = prod.requests().length;
    const reviews = p.file("stages", "prod", "reviews.yaml");
    fs.writeFileSync(
      reviews,
      fs
        .readFileSync(reviews, "utf8")
        .replace(/ {2}- url: https:\/\/example\.com\/reviews\?lang=fr\n(?: {4}.*\n)*/, ""),
    );
    assert.deepEqual(changesOf(await p.preview("dev")), {});
    assert.equal(dev.requests().length, devCalls, "dev's preview called the API");
    assert.deepEqual(changesOf(await p.preview("prod")), { update: 1 });
    await p.up("prod");
    assert.equal(byName(prod).get("reviews")?.requests.length, 2);
    assert.equal(byName(prod).get("reviews")?.id, pr.get("reviews")?.id);
    assert.equal(dev.requests().length, devCalls, "prod's up called dev's account");
    assert.ok(prod.requests().length > prodCalls);

    // a pull request adds a file: one create
    fs.writeFileSync(
      p.file("collections", "news.yaml"),
      "name: news\nrequests:\n  - url: https://example.com/news\n",
    );
    assert.deepEqual(changesOf(await p.preview("dev")), { create: 1 });
    // and edits another: one more change, an update
    fs.appendFileSync(p.file("collections", "prices.yaml"), "  - url: https://example.org/prices/monthly\n");
    assert.deepEqual(changesOf(await p.preview("dev")), { create: 1, update: 1 });
    await p.up("dev");
    assert.equal(byName(dev).get("news")?.requests.length, 1);
    const prices = [...byName(dev).values()].find((c) => c.name.startsWith("scrapes-prices-"));
    assert.equal(prices?.id, devPrices?.id, "the edit replaced the collection");
    assert.equal(prices?.requests.length, 3);
    assert.equal(dev.collections().length, 5);
    assert.deepEqual(keyForms(TEST_KEY, p.transcript.join("\n")), []);
  });

  it("bad files fail the preview with file:line:column, all at once, and nothing is called or created", async () => {
    const write = (rel: string, content: string | Buffer) => fs.writeFileSync(p.file(rel), content);
    write(
      "collections/tours.yaml",
      fs
        .readFileSync(p.file("collections/tours.yaml"), "utf8")
        .replace("https://example.com/tours/2", "ftp://example.com/tours/2"),
    );
    write("collections/typo.yaml", "callback_url: https://hooks.example.com/x\nrequests: []\n");
    write("collections/tabs.yaml", "requests:\n\t- url: https://example.com/\n");
    write("collections/dup.yaml", "name: a\nrequests: []\nname: b\n");
    write("collections/list.yaml", "- url: https://example.com/\n");
    write("collections/empty.yaml", "");
    write(
      "collections/latin1.yaml",
      Buffer.concat([Buffer.from("requests:\n  - url: https://example.com/caf"), Buffer.from([0xe9, 0x0a])]),
    );
    write("collections/broken.json", '{"requests": [{"url": "https://example.com/"}]');
    const expected = [
      "collections/broken.json:1:",
      'collections/dup.yaml:3:1 key "name" appears more than once in this mapping (duplicate_key)',
      "collections/empty.yaml:1:1 is empty: a collection file needs at least `requests:` (use `requests: []` for none) (empty_file)",
      "collections/latin1.yaml:2:33 is not UTF-8: byte 0xe9 cannot start or continue a character; save it as UTF-8 (encoding)",
      "collections/list.yaml:1:1 must be a mapping with at least requests (invalid_type)",
      "collections/tabs.yaml:2:1 Tabs are not allowed as indentation (tab_indentation)",
      "collections/tours.yaml:11:10 requests[2].url: must use http or https (invalid_protocol)",
      "collections/typo.yaml:1:1 callback_url: is not a field of a collection (expected name, callbackUrl, requests) (unknown_field)",
    ];

    const devCalls = dev.requests().length;
    const before = dev.collections().map((c) => [c.id, c.requests.length]);
    const r = await p.run(["preview", "--stack", "dev"]);
    assert.notEqual(r.code, 0);
    const output = r.stdout + r.stderr;
    assert.match(output, /8 problems in collection files, nothing was registered:/);
    for (const line of expected) assert.ok(output.includes(line), `missing ${line} in\n${output}`);
    assert.equal(dev.requests().length, devCalls, "a bad file made API calls");
    assert.deepEqual(
      dev.collections().map((c) => [c.id, c.requests.length]),
      before,
    );

    // the CLI says the same, as GitHub annotations for the pull request
    const gh = cli("validate", "--overlay", "stages/dev", "--format", "github");
    assert.equal(gh.code, 1);
    assert.match(
      gh.stdout,
      /^::error file=collections\/tours\.yaml,line=11,col=10,title=requests\[2\]\.url \(invalid_protocol\)::/m,
    );
    assert.equal(gh.stdout.trim().split("\n").length, 8);

    // the pull request is fixed by dropping the bad files; deleting a file is one delete from the stack
    for (const f of [
      "typo.yaml",
      "tabs.yaml",
      "dup.yaml",
      "list.yaml",
      "empty.yaml",
      "latin1.yaml",
      "broken.json",
      "news.yaml",
    ]) {
      fs.rmSync(p.file("collections", f));
    }
    write(
      "collections/tours.yaml",
      fs.readFileSync(p.file("collections/tours.yaml"), "utf8").replace("ftp://", "https://"),
    );
    assert.deepEqual(changesOf(await p.preview("dev")), { delete: 1 });
    assert.equal(dev.requests().length, devCalls);
  });
});
