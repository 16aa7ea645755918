/**
 * The published package: `npm pack --dry-run --json` lists what users would
 * download. It must hold the compiled code and types of every public entry point, README, LICENSE
 * and package.json, and nothing a user does not need (tests, sources, the generated Python and Go
 * SDKs, source maps, journals, the tools folder, bench, campaign, examples, scripts). Needs `npm run
 * build` (done by `npm ci`).
 * Scripts are skipped (`--ignore-scripts`), so this reads the current `dist/` without rebuilding it.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..", "..", "..");

interface PackReport {
  name: string;
  version: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

/**
 * What every release must contain besides `dist/`. Add the GitOps schema and `bin` here (and to
 * `files` in package.json) when they land.
 */
const REQUIRED = ["package.json", "README.md", "LICENSE"];

/** Path prefixes and patterns that must never be published. */
const FORBIDDEN: [string, RegExp][] = [
  ["tests", /^tests\//],
  ["the Pulumi CLI build", /^\.tools\//],
  ["demo state", /^\.demo\//],
  ["bench", /^bench\//],
  ["campaign", /^campaign\//],
  ["examples", /^examples\//],
  ["scripts", /^scripts\//],
  ["TypeScript sources", /(?<!\.d)\.ts$/],
  ["source maps", /\.map$/],
  ["emulator journals", /\.jsonl$/],
  ["logs", /\.log$/],
  ["generated docs", /^docs\//],
  ["node_modules", /(^|\/)node_modules\//],
  ["the generated Python SDK", /^sdk\/python\/|\.pyi?$|(^|\/)pyproject\.toml$/],
  ["the generated Go SDK", /^sdk\/go\/|\.go$|(^|\/)go\.(mod|sum)$/],
];

describe("the published package (npm pack)", () => {
  let report: PackReport;
  let files: string[];
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
    private?: boolean;
    license: string;
    files: string[];
    exports: Record<string, string | Record<string, string>>;
    main: string;
    types: string;
  };

  before(function () {
    this.timeout(60_000);
    assert.ok(
      fs.existsSync(path.join(REPO, "dist", "sdk", "index.js")),
      "dist/ is missing: run `npm run build` first",
    );
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: REPO,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const [first] = JSON.parse(out) as PackReport[];
    assert.ok(first);
    report = first;
    files = report.files.map((f) => f.path).sort();
    process.stdout.write(
      `      ${report.name}@${report.version}: ${report.entryCount} files, ` +
        `${(report.size / 1000).toFixed(1)} kB packed, ${(report.unpackedSize / 1000).toFixed(1)} kB unpacked\n`,
    );
  });

  it("is publishable: not private, with an Apache-2.0 LICENSE matching package.json", () => {
    assert.notEqual(pkg.private, true);
    assert.equal(pkg.license, "Apache-2.0");
    const license = fs.readFileSync(path.join(REPO, "LICENSE"), "utf8");
    assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
    assert.match(license, /END OF TERMS AND CONDITIONS/);
  });

  it("holds README, LICENSE, package.json and the code and types of every entry point", () => {
    for (const f of REQUIRED) assert.ok(files.includes(f), `${f} is not in the package`);
    const targets = [pkg.main, pkg.types];
    for (const target of Object.values(pkg.exports)) {
      if (typeof target === "string") targets.push(target);
      else targets.push(...Object.values(target));
    }
    for (const t of targets) {
      const rel = t.replace(/^\.\//, "");
      assert.ok(files.includes(rel), `${rel} (named by package.json) is not in the package`);
    }
    // `npx pulumi-scrapingpros validate` runs the bin: it must be in the package and start with a shebang.
    for (const t of Object.values((pkg as { bin?: Record<string, string> }).bin ?? {})) {
      const rel = t.replace(/^\.\//, "");
      assert.ok(files.includes(rel), `${rel} (the bin) is not in the package`);
      assert.match(fs.readFileSync(path.join(REPO, rel), "utf8"), /^#!\/usr\/bin\/env node\n/);
    }
    // The dynamic-provider process loads `pulumi-scrapingpros/provider`; the emulator's CLI is documented.
    for (const f of ["dist/provider/index.js", "dist/emulator/cli.js"]) assert.ok(files.includes(f), f);
  });

  it("carries the native plugin as its tarball and manifest only (`plugin install` reads both)", () => {
    const version = (pkg as unknown as { version: string }).version;
    assert.deepEqual(
      files.filter((f) => f.startsWith("dist/plugin/")),
      ["dist/plugin/manifest.json", `dist/plugin/pulumi-resource-scrapingpros-v${version}.tar.gz`],
      "the plugin's folder is in the tarball; shipping it too would double the package",
    );
    // The plugin's entry runs only bundled, from the tarball.
    assert.deepEqual(
      files.filter((f) => f.startsWith("dist/provider/native/main.")),
      [],
    );
  });

  it("holds nothing users do not need", () => {
    for (const [what, pattern] of FORBIDDEN) {
      const found = files.filter((f) => pattern.test(f));
      assert.deepEqual(found, [], `${what} would be published`);
    }
  });

  it("holds no stale build output: every file of dist/ has its source", () => {
    const stale = files
      .filter((f) => f.startsWith("dist/") && !f.startsWith("dist/plugin/"))
      .map((f) => f.replace(/^dist\//, "").replace(/(\.d\.ts|\.js)$/, ".ts"))
      .filter((src) => !fs.existsSync(path.join(REPO, src)));
    assert.deepEqual(stale, [], "dist/ has files whose sources are gone: rebuild it from a clean dist/");
  });

  it("stays small: under 550 kB packed", () => {
    // About half is the native plugin's tarball (~260 kB: the bundle of @pulumi/pulumi, gRPC and
    // protobuf it runs with, without node_modules).
    assert.ok(report.size < 550_000, `the package is ${report.size} bytes`);
  });

  it("is as big as the README says: its files, packed and unpacked kB within 10%", () => {
    // The README states rounded numbers, "about"; 10% lets a module come and go without an edit,
    // and fails before the statement turns false.
    const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8").replace(/\s+/g, " ");
    const m = /about (\d+) files, (\d+) kB packed and (\d+) kB unpacked \(`npm pack --dry-run`/.exec(readme);
    assert.ok(m, "the README no longer states the package's size in the sentence this test reads");
    const measured = {
      files: report.entryCount,
      packed: Math.round(report.size / 1000),
      unpacked: Math.round(report.unpackedSize / 1000),
    };
    const stated = { files: Number(m[1]), packed: Number(m[2]), unpacked: Number(m[3]) };
    for (const k of ["files", "packed", "unpacked"] as const) {
      assert.ok(
        Math.abs(measured[k] - stated[k]) <= stated[k] * 0.1,
        `README says ${stated[k]} (${k}), npm pack measures ${measured[k]}: write the measured numbers ` +
          `(${measured.files} files, ${measured.packed} kB packed, ${measured.unpacked} kB unpacked)`,
      );
    }
  });
});
