import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { keyForms, pulumiBinDir } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import { EXAMPLES, ExampleProject } from "../helpers/example-project";
import { installEnv, pack } from "../helpers/packages";
import { type CliResult, changesOf, pulumiEnv, spawnPulumi, succeeded } from "../helpers/pulumi";
import { COLLECTION_TYPE } from "../helpers/user-project";

const REPO = path.resolve(__dirname, "..", "..");

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
    // a copy of reviews.yaml whose name differs only by case: two collections named alike
    write("collections/copy.yaml", "name: Reviews\nrequests: []\n");
    const expected = [
      'collections/broken.json:1:47 is not valid JSON: the file ends before the object opened at line 1, column 1 is closed: a "}" is missing (json_syntax)',
      'collections/copy.yaml:1:7 name: "Reviews" is also the name declared in collections/reviews.yaml:2:7 (as "reviews") (names are compared without surrounding spaces and ignoring case): two collections would share one name; give each file its own (duplicate_name)',
      'collections/dup.yaml:3:1 key "name" appears more than once in this mapping (first at line 1, column 1) (duplicate_key)',
      "collections/empty.yaml:1:1 is empty: a collection file needs at least `requests:` (use `requests: []` for none) (empty_file)",
      "collections/latin1.yaml:2:33 is not UTF-8: byte 0xe9 cannot start or continue a character; save it as UTF-8 (encoding)",
      "collections/list.yaml:1:1 must be a mapping with at least requests (invalid_type)",
      'collections/reviews.yaml:2:7 name: "reviews" is also the name declared in collections/copy.yaml:1:7 (as "Reviews") (names are compared without surrounding spaces and ignoring case): two collections would share one name; give each file its own (duplicate_name)',
      "collections/tabs.yaml:2:1 Tabs are not allowed as indentation (tab_indentation)",
      "collections/tours.yaml:11:10 requests[2].url: must use http or https (invalid_protocol)",
      "collections/typo.yaml:1:1 callback_url: is not a field of a collection (expected name, callbackUrl, requests) (unknown_field)",
    ];

    const devCalls = dev.requests().length;
    const before = dev.collections().map((c) => [c.id, c.requests.length]);
    const r = await p.run(["preview", "--stack", "dev"]);
    assert.notEqual(r.code, 0);
    const output = r.stdout + r.stderr;
    assert.match(output, /10 problems in collection files, nothing was registered:/);
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
    assert.equal(gh.stdout.trim().split("\n").length, 10);

    // the pull request is fixed by dropping the bad files; deleting a file is one delete from the stack
    for (const f of [
      "typo.yaml",
      "tabs.yaml",
      "dup.yaml",
      "list.yaml",
      "empty.yaml",
      "latin1.yaml",
      "broken.json",
      "copy.yaml",
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

/** Runs `cmd args` in `cwd` to completion, in its own process group; never throws on an exit code. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The `npx pulumi-scrapingpros validate …` line of the example README's CI recipe, as written. */
function recipeValidateLine(): string[] {
  const readme = fs.readFileSync(path.join(EXAMPLES, "gitops", "README.md"), "utf8");
  const m = /^\s*- run: (npx pulumi-scrapingpros validate .+)$/m.exec(readme);
  assert.ok(m?.[1], "the README's recipe has no `npx pulumi-scrapingpros validate` step");
  return m[1].trim().split(/\s+/);
}

const SUMMARY_NOTICES = [
  "::notice title=collections of base::3 collections, 6 requests: 4 browser, 1 screenshot, 1 proxy, 1 actions",
  "::notice title=collections of dev::4 collections, 5 requests: 1 browser, 1 screenshot, 1 proxy, 1 actions",
  "::notice title=collections of prod::3 collections, 8 requests: 6 browser, 1 screenshot, 3 proxy, 1 actions",
];

/**
 * The example's documented commands run as a user runs them: `npx`, `npm ci` and `pulumi` in the
 * example's folder, not a test's shortcut to the bin.
 */
describe("e2e: the gitops example's documented commands, as users run them", function () {
  this.timeout(600_000);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("in this repository after `npm ci` at the root: the recipe's `npx pulumi-scrapingpros validate` from examples/gitops", async () => {
    pulumiBinDir(); // links the package and its bin into the root's node_modules, as `npm ci` does
    const [cmd, ...args] = recipeValidateLine();
    assert.equal(cmd, "npx");
    const r = await run("npx", ["--no-install", ...args], path.join(EXAMPLES, "gitops"), installEnv());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, `${SUMMARY_NOTICES.join("\n")}\n`);
  });

  it("a repository made from the example: npm install, the recipe's `npm ci` and `npx … validate` (a stage without overlays gets a notice), then the README's stack steps", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-gitops-repo-"));
    dirs.push(dir);
    assert.ok(!fs.realpathSync(dir).startsWith(`${fs.realpathSync(REPO)}${path.sep}`));
    const project = path.join(dir, "repo");
    fs.cpSync(path.join(EXAMPLES, "gitops"), project, {
      recursive: true,
      filter: (src) => !["node_modules", "package-lock.json"].includes(path.basename(src)),
    });
    // The published package stands in for `file:../..`, this repository's copy: the one line a user changes.
    const tarball = pack(REPO, dir);
    const pkgFile = path.join(project, "package.json");
    const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { dependencies: Record<string, string> };
    assert.equal(pkg.dependencies["pulumi-scrapingpros"], "file:../..");
    pkg.dependencies["pulumi-scrapingpros"] = `file:${tarball}`;
    fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    const env = installEnv();
    const npm = async (args: string[]) => {
      const r = await run("npm", [...args, "--prefer-offline", "--no-audit", "--no-fund"], project, env);
      assert.equal(r.code, 0, `npm ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
    };
    await npm(["install"]); // the user's install, whose lockfile they commit
    await npm(["ci"]); // the recipe's

    // the schema lines resolve now that the package is in the repository's node_modules
    for (const rel of ["collections/tours.yaml", "stages/dev/tours.yaml", "stages/prod/reviews.yaml"]) {
      const first = fs.readFileSync(path.join(project, rel), "utf8").split("\n")[0] ?? "";
      const schema = /\$schema=(\S+)$/.exec(first)?.[1] ?? "";
      assert.ok(
        fs.existsSync(path.resolve(path.dirname(path.join(project, rel)), schema)),
        `${rel}: ${schema}`,
      );
    }

    const [, ...args] = recipeValidateLine();
    const ok = await run("npx", ["--no-install", ...args], project, env);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(ok.stdout, `${SUMMARY_NOTICES.join("\n")}\n`);

    // prod loses its only overlay: git keeps no empty directory, so stages/prod is gone. The recipe
    // still passes, with a notice naming the directory; prod is the base files.
    fs.rmSync(path.join(project, "stages", "prod"), { recursive: true });
    const noProd = await run("npx", ["--no-install", ...args], project, env);
    assert.equal(noProd.code, 0, noProd.stdout + noProd.stderr);
    assert.equal(
      noProd.stdout.split("\n")[0],
      "::notice file=stages/prod,line=1,col=1,title=no_overlays::does not exist, so this stage has no overlays and deploys the base files as they are; if it should have some, check the directory's name",
    );
    assert.match(noProd.stdout, /^::notice title=collections of prod::3 collections, 6 requests:/m);

    // The README's "Run it against the local emulator", for dev, then prod (no overlays).
    const emu = await startTestEmulator();
    const transcript: string[] = [];
    const penv = { ...pulumiEnv(pulumiBinDir(), dir), SP_UPSTREAM_LAUNCHER: "1" };
    const pulumi = async (a: string[]) =>
      succeeded(a, await spawnPulumi(a, project, penv, transcript).result);
    try {
      for (const stack of ["dev", "prod"]) {
        await pulumi(["stack", "init", stack]);
        await pulumi(["config", "set", "scrapingpros:baseUrl", emu.url]);
        await pulumi(["config", "set", "--secret", "scrapingpros:apiKey", TEST_KEY]);
        const up = await pulumi(["up", "--yes"]);
        if (stack === "prod") {
          assert.match(
            up.stdout.replace(/\s+/g, " "),
            /stages\/prod:1:1 does not exist, so this stage has no overlays/,
          );
        } else assert.doesNotMatch(up.stdout, /no overlays/);
      }
      const state = JSON.parse((await pulumi(["stack", "export"])).stdout) as {
        deployment: { resources?: { type: string }[] };
      };
      assert.equal((state.deployment.resources ?? []).filter((r) => r.type === COLLECTION_TYPE).length, 3);
      assert.equal(emu.collections().length, 7, "dev's 4 and prod's 3");
      assert.deepEqual(keyForms(TEST_KEY, transcript.join("\n")), []);
    } finally {
      emu.release();
      await emu.stop();
    }
  });
});
