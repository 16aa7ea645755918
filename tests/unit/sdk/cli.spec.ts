import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../sdk/cli";
import { SHARED_CASES, writeFiles } from "../../helpers/collection-file-cases";

/** Runs the CLI in `cwd`, capturing what it writes. */
function run(cwd: string, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = main(argv, { cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const FILES: Record<string, string> = {
  "collections/tours.yaml":
    "# yaml-language-server: $schema=../node_modules/pulumi-scrapingpros/schema/collection.json\nname: tours\nrequests:\n  - url: https://example.com/1\n    browser: true\n    screenshot: true\n  - url: https://example.com/2\n    browser: true\n    use_proxy: any\n",
  "collections/reviews.json":
    '{"requests": [{"url": "https://example.com/r", "actions": [{"type": "wait-for-timeout", "time": 3000}]}]}',
  "stages/dev/tours.yaml": "requests:\n  - url: https://example.com/1\n",
  "stages/dev/debug.yaml": "requests:\n  - url: https://example.com/debug\n",
};

describe("validate CLI", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-cli-"));
    for (const [rel, text] of Object.entries(FILES)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const breakTours = () =>
    fs.writeFileSync(
      path.join(dir, "collections/tours.yaml"),
      "requests:\n  - url: https://example.com/1\n  - url: https://example.com/2\n  - url: ftp://example.com/3\n",
    );

  it("exit 0 for valid files (default directory: collections), a short note on stderr", () => {
    const r = run(dir, "validate");
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "ok: 2 collection files in collections, 1 stage checked\n");
    assert.equal(run(dir, "validate", "collections", "--overlay", "stages/dev").code, 0);
  });

  it("near misses of request fields are warnings in every format, at the field's key; the exit code stays 0", () => {
    fs.writeFileSync(
      path.join(dir, "collections/tours.yaml"),
      "requests:\n  - url: https://example.com/1\n    customId: a\n  - url: https://example.com/2\n    callback_url: https://hooks.example/x\n    vendor_flag: 1\n",
    );
    // the overlay's own near miss is located in the overlay file
    fs.writeFileSync(
      path.join(dir, "stages/dev/debug.yaml"),
      "requests:\n  - url: https://example.com/d\n    Browser: true\n",
    );
    const human = run(dir, "validate", "collections", "--overlay", "stages/dev");
    assert.equal(human.code, 0);
    assert.equal(
      human.stdout,
      [
        "warning: collections/tours.yaml:3:5 requests[0].customId: unknown field; did you mean custom_id? It is sent to the API as written: rename it to custom_id if that is what you meant (near_miss)",
        "warning: collections/tours.yaml:5:5 requests[1].callback_url: callbackUrl is a property of the Collection, not of a request; move it next to `requests` as callbackUrl (near_miss)",
        "warning: stages/dev/debug.yaml:3:5 requests[0].Browser: unknown field; did you mean browser? It is sent to the API as written: rename it to browser if that is what you meant (near_miss)",
        "",
      ].join("\n"),
      "a field close to nothing known (vendor_flag) passes silently",
    );
    assert.match(human.stderr, /^ok: 2 collection files in collections, 2 stages checked, 3 warnings\n$/);
    const json = JSON.parse(run(dir, "validate", "--format", "json").stdout);
    assert.equal(json.valid, true);
    assert.deepEqual(
      json.warnings.map((w: { path: string; code: string; line: number }) => [w.path, w.code, w.line]),
      [
        ["requests[0].customId", "near_miss", 3],
        ["requests[1].callback_url", "near_miss", 5],
      ],
    );
    const github = run(dir, "validate", "--format", "github");
    assert.equal(github.code, 0);
    assert.match(
      github.stdout,
      /^::warning file=collections\/tours\.yaml,line=3,col=5,title=requests\[0\]\.customId \(near_miss\)::/m,
    );
  });

  it("exit 1 and one line per problem, file:line:column path: reason (code)", () => {
    breakTours();
    fs.writeFileSync(path.join(dir, "stages/dev/debug.yaml"), "requests:\n\t- url: x\n");
    const r = run(dir, "validate", "collections", "--overlay", "stages/dev");
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      [
        "collections/tours.yaml:4:10 requests[2].url: must use http or https (invalid_protocol)",
        "stages/dev/debug.yaml:2:1 Tabs are not allowed as indentation (tab_indentation)",
        "",
      ].join("\n"),
    );
    assert.equal(r.stderr, "2 problems in 2 files\n");
  });

  it("--format json: valid, the problems with their fields, and the summary when asked", () => {
    breakTours();
    const r = run(dir, "validate", "--format", "json", "--summary");
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.valid, false);
    assert.deepEqual(out.problems, [
      {
        file: "collections/tours.yaml",
        line: 4,
        column: 10,
        path: "requests[2].url",
        message: "must use http or https (invalid_protocol)",
        code: "invalid_protocol",
      },
    ]);
    assert.equal(out.summary.length, 1);
    fs.writeFileSync(path.join(dir, "collections/tours.yaml"), "requests: []\n");
    const ok = JSON.parse(run(dir, "validate", "--format", "json").stdout);
    assert.deepEqual(ok, { valid: true, problems: [], warnings: [], notices: [] });
  });

  it("--format github: one ::error annotation per problem, on its file, line and column", () => {
    breakTours();
    fs.writeFileSync(path.join(dir, "collections/a,b.yaml"), "requests: []\nx: 1\n");
    const r = run(dir, "validate", "--format", "github");
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      [
        "::error file=collections/a%2Cb.yaml,line=2,col=1,title=x (unknown_field)::x: is not a field of a collection (expected name, callbackUrl, requests)",
        "::error file=collections/tours.yaml,line=4,col=10,title=requests[2].url (invalid_protocol)::requests[2].url: must use http or https (invalid_protocol)",
        "",
      ].join("\n"),
    );
    assert.equal(r.stderr, "");
  });

  it("--summary: collections, requests, browser, screenshot, proxy and actions per stage", () => {
    const r = run(dir, "validate", "--overlay", "stages/dev", "--summary");
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      [
        "stage  collections  requests  browser  screenshot  proxy  actions",
        "base   2            3         2        1           1      1",
        "dev    3            3         0        0           0      1",
        "",
      ].join("\n"),
    );
    const gh = run(dir, "validate", "--overlay", "stages/dev", "--summary", "--format", "github");
    assert.match(
      gh.stdout,
      /^::notice title=collections of dev::3 collections, 3 requests: 0 browser, 0 screenshot, 0 proxy, 1 actions$/m,
    );
  });

  it("a bad base file is reported once, not once per stage", () => {
    breakTours();
    fs.rmSync(path.join(dir, "stages/dev/tours.yaml"));
    const r = run(dir, "validate", "--overlay", "stages/dev", "--format", "json");
    assert.equal(JSON.parse(r.stdout).problems.length, 1);
  });

  it("exit 2 on bad usage: unknown option, unknown command, bad format, extra argument", () => {
    for (const argv of [
      ["validate", "--fromat", "json"],
      ["check"],
      [],
      ["validate", "--format", "xml"],
      ["validate", "a", "b"],
    ]) {
      const r = run(dir, ...argv);
      assert.equal(r.code, 2, argv.join(" "));
      assert.match(r.stderr, /Usage: pulumi-scrapingpros validate/);
    }
    assert.equal(run(dir, "--help").code, 0);
    assert.equal(run(dir, "validate", "nowhere").code, 1);
  });

  it("the README's CI recipe with a stage that has no overlay directory: exit 0, a note naming it in every format", () => {
    const note =
      "stages/prod:1:1 does not exist, so this stage has no overlays and deploys the base files as they are; if it should have some, check the directory's name (no_overlays)";
    const argv = [
      "validate",
      "collections",
      "--overlay",
      "stages/dev",
      "--overlay",
      "stages/prod",
      "--summary",
    ];
    const human = run(dir, ...argv);
    assert.equal(human.code, 0, human.stdout + human.stderr);
    assert.equal(
      human.stdout,
      [
        `note: ${note}`,
        "stage  collections  requests  browser  screenshot  proxy  actions",
        "base   2            3         2        1           1      1",
        "dev    3            3         0        0           0      1",
        "prod   2            3         2        1           1      1",
        "",
      ].join("\n"),
    );
    assert.equal(human.stderr, "ok: 2 collection files in collections, 3 stages checked, 1 note\n");
    const github = run(dir, ...argv, "--format", "github");
    assert.equal(github.code, 0);
    assert.match(
      github.stdout,
      /^::notice file=stages\/prod,line=1,col=1,title=no_overlays::does not exist, so this stage has no overlays/m,
    );
    assert.doesNotMatch(github.stdout, /::(error|warning)/);
    const json = JSON.parse(run(dir, ...argv, "--format", "json").stdout);
    assert.equal(json.valid, true);
    assert.deepEqual(
      json.notices.map((n: { file: string; code: string }) => [n.file, n.code]),
      [["stages/prod", "no_overlays"]],
    );
    // a misspelled directory of a stage that has overlays is noticed the same way, and the stage is
    // checked without them (here: valid)
    const typo = run(dir, "validate", "--overlay", "stage/dev");
    assert.equal(typo.code, 0);
    assert.match(typo.stdout, /^note: stage\/dev:1:1 does not exist/);
    // a file where the overlay directory should be is an error
    fs.writeFileSync(path.join(dir, "stages/qa"), "x");
    const file = run(dir, "validate", "--overlay", "stages/qa");
    assert.equal(file.code, 1);
    assert.equal(file.stdout, "stages/qa:1:1 is not a directory of overlay files (not_a_directory)\n");
  });

  it("duplicate names: every format names both files and positions, exit 1", () => {
    fs.writeFileSync(path.join(dir, "collections/copy.yaml"), "name: tours\nrequests: []\n");
    const human = run(dir, "validate");
    assert.equal(human.code, 1);
    assert.equal(
      human.stdout,
      [
        'collections/copy.yaml:1:7 name: "tours" is also the name declared in collections/tours.yaml:2:7: two collections would share one name; give each file its own (duplicate_name)',
        'collections/tours.yaml:2:7 name: "tours" is also the name declared in collections/copy.yaml:1:7: two collections would share one name; give each file its own (duplicate_name)',
        "",
      ].join("\n"),
    );
    assert.equal(human.stderr, "2 problems in 2 files\n");
    const json = JSON.parse(run(dir, "validate", "--format", "json").stdout);
    assert.equal(json.valid, false);
    assert.deepEqual(
      json.problems.map((p: { file: string; line: number; column: number; path: string; code: string }) => [
        p.file,
        p.line,
        p.column,
        p.path,
        p.code,
      ]),
      [
        ["collections/copy.yaml", 1, 7, "name", "duplicate_name"],
        ["collections/tours.yaml", 2, 7, "name", "duplicate_name"],
      ],
    );
    const github = run(dir, "validate", "--format", "github");
    assert.equal(github.code, 1);
    assert.equal(
      github.stdout,
      [
        '::error file=collections/copy.yaml,line=1,col=7,title=name (duplicate_name)::name: "tours" is also the name declared in collections/tours.yaml:2:7: two collections would share one name; give each file its own',
        '::error file=collections/tours.yaml,line=2,col=7,title=name (duplicate_name)::name: "tours" is also the name declared in collections/copy.yaml:1:7: two collections would share one name; give each file its own',
        "",
      ].join("\n"),
    );
    // three files: each names the two others
    fs.writeFileSync(path.join(dir, "collections/again.json"), '{"name": "TOURS", "requests": []}');
    const three = JSON.parse(run(dir, "validate", "--format", "json").stdout);
    assert.equal(three.problems.length, 3);
    assert.match(
      three.problems[0].message,
      /^"TOURS" is also the name declared in collections\/copy\.yaml:1:7 \(as "tours"\), collections\/tours\.yaml:2:7 \(as "tours"\)/,
    );
  });
});

describe("validate CLI and CollectionSet agree (the CLI's half; the other is in collection.spec.ts)", () => {
  for (const c of SHARED_CASES) {
    it(c.title, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-shared-"));
      try {
        writeFiles(dir, c.files);
        const human = run(dir, "validate", "collections", "--overlay", "stages/dev");
        assert.equal(human.code, c.problems.length > 0 ? 1 : 0, human.stdout + human.stderr);
        assert.equal(
          human.stdout,
          [...c.problems, ...c.notices.map((n) => `note: ${n}`), ""].join("\n").replace(/^\n$/, ""),
        );
        const json = JSON.parse(
          run(dir, "validate", "collections", "--overlay", "stages/dev", "--format", "json").stdout,
        );
        assert.equal(json.valid, c.problems.length === 0);
        assert.equal(json.problems.length, c.problems.length);
        assert.equal(json.notices.length, c.notices.length);
        const github = run(dir, "validate", "collections", "--overlay", "stages/dev", "--format", "github");
        assert.equal(
          github.stdout.split("\n").filter((l) => l.startsWith("::error ")).length,
          c.problems.length,
        );
        assert.equal(
          github.stdout.split("\n").filter((l) => l.startsWith("::notice ")).length,
          c.notices.length,
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
