import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  type FileProblem,
  formatFileProblem,
  type LoadOptions,
  loadCollectionFiles,
  mergeOverlay,
} from "../../../sdk/collection-files";

/** A temporary project folder holding `files` (path → text or bytes). */
function project(files: Record<string, string | Uint8Array>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-files-"));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const dirs: string[] = [];
function load(files: Record<string, string | Uint8Array>, options: Partial<LoadOptions> = {}) {
  const cwd = project(files);
  dirs.push(cwd);
  return loadCollectionFiles({ directory: "collections", cwd, ...options });
}
/** The problems as the CLI and CollectionSet print them. */
const lines = (problems: FileProblem[]) => problems.map(formatFileProblem);

const OK = "requests:\n  - url: https://example.com/a\n";

describe("collection files", () => {
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("loads every .yaml, .yml and .json file, recursively, keyed by path without extension", () => {
    const r = load({
      "collections/tours.yaml":
        "# yaml-language-server: $schema=../schema.json\nname: tours\ncallbackUrl: https://h.example/x\nrequests:\n  - url: https://example.com/t\n    custom_id: t1\n    browser: true\n",
      "collections/eu/prices.yml": OK,
      "collections/news.json":
        '{"$schema": "x.json", "requests": [{"url": "https://example.com/n", "wait_until": "load"}]}',
      "collections/README.md": "not a collection",
      "collections/.hidden.yaml": "broken: [",
    });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.collections.map((c) => [c.key, c.file]),
      [
        ["eu/prices", "collections/eu/prices.yml"],
        ["news", "collections/news.json"],
        ["tours", "collections/tours.yaml"],
      ],
    );
    assert.deepEqual(r.collections[2]?.spec, {
      name: "tours",
      callbackUrl: "https://h.example/x",
      requests: [{ url: "https://example.com/t", custom_id: "t1", browser: true }],
    });
    // unknown request fields pass through to the API, as in `check`
    assert.deepEqual(r.collections[1]?.spec.requests, [{ url: "https://example.com/n", wait_until: "load" }]);
  });

  it("JSON files: tab indentation and escapes are fine (JSON is not YAML's block style); positions still point", () => {
    const r = load({
      "collections/tabs.json":
        '{\n\t"requests": [\n\t\t{"url": "https://example.com/caf\\u00e9"},\n\t\t{"url": "ftp://x"}\n\t]\n}\n',
    });
    assert.deepEqual(lines(r.problems), [
      "collections/tabs.json:4:11 requests[1].url: must use http or https (invalid_protocol)",
    ]);
  });

  it("reports a bad URL with file, line, column, property path, reason and code", () => {
    const r = load({
      "collections/tours.yaml":
        "name: tours\nrequests:\n  - url: https://example.com/1\n  - url: https://example.com/2\n  - url: ftp://example.com/3\n",
    });
    assert.deepEqual(lines(r.problems), [
      "collections/tours.yaml:5:10 requests[2].url: must use http or https (invalid_protocol)",
    ]);
    assert.deepEqual(r.collections, []);
  });

  it("reports every URL rule and every shape rule, all files at once", () => {
    const r = load({
      "collections/a.yaml": [
        "requests:",
        "  - url: example.com/x", // 2
        "  - url: http://10.0.0.7/", // 3
        "  - url: https://metadata.google.internal/", // 4
        '  - url: " https://example.com"', // 5
        "  - url: https://[::1]/", // 6
        "  - url: http://169.254.169.254/latest", // 7
        "",
      ].join("\n"),
      "collections/b.yaml": [
        "name: 42",
        "callbackUrl: ftp://hooks.example/x",
        "requests:",
        "  - url: https://example.com/",
        "    custom_id: " + "x".repeat(256),
        "    browser: yes",
        "    screenshot: 1",
        "    use_proxy: true",
        "    actions: {type: wait}",
        "  - url: 5",
        "  - 7",
        "  - {}",
        "  - url: https://example.com/d",
        "    custom_id: same",
        "  - url: https://example.com/d",
        "    custom_id: same",
        "callback_url: https://x.example",
        "",
      ].join("\n"),
      "collections/c.yaml":
        "name: '   '\nrequests:\n  - url: https://example.com/\n    actions:\n      - time: 3\n      - wait\n",
    });
    assert.deepEqual(lines(r.problems), [
      "collections/a.yaml:2:10 requests[0].url: has no scheme; add https:// or http:// (malformed_url)",
      "collections/a.yaml:3:10 requests[1].url: points at a private address, which the API refuses (private_ip)",
      "collections/a.yaml:4:10 requests[2].url: names a local or internal host (localhost, *.local, *.internal, metadata), which the API refuses (blocked_hostname)",
      "collections/a.yaml:5:10 requests[3].url: contains whitespace; remove it or percent-encode it as %20 (malformed_url)",
      "collections/a.yaml:6:10 requests[4].url: points at a loopback address, which the API refuses (private_ip)",
      "collections/a.yaml:7:10 requests[5].url: points at a cloud metadata address, which the API refuses (private_ip)",
      "collections/b.yaml:1:7 name: must be a string (invalid_type)",
      "collections/b.yaml:2:14 callbackUrl: must use http or https (invalid_protocol)",
      "collections/b.yaml:5:16 requests[0].custom_id: must be at most 255 characters (got 256) (too_long)",
      "collections/b.yaml:6:14 requests[0].browser: must be true or false (invalid_type)",
      "collections/b.yaml:7:17 requests[0].screenshot: must be true or false (invalid_type)",
      'collections/b.yaml:8:16 requests[0].use_proxy: must be a string such as "any" (invalid_type)',
      "collections/b.yaml:9:14 requests[0].actions: must be a list of action objects (invalid_type)",
      "collections/b.yaml:10:10 requests[1].url: must be a string (invalid_type)",
      "collections/b.yaml:11:5 requests[2]: must be an object with at least a url (invalid_type)",
      "collections/b.yaml:12:5 requests[3].url: is required (required)",
      "collections/b.yaml:15:5 requests[5]: duplicates requests[4] (same url and custom_id); the API would drop it: remove it or give it a different custom_id (duplicate_request)",
      "collections/b.yaml:17:1 callback_url: is not a field of a collection (expected name, callbackUrl, requests) (unknown_field)",
      "collections/c.yaml:1:7 name: must not be empty (empty)",
      'collections/c.yaml:5:9 requests[0].actions[0].type: is required, e.g. "wait-for-timeout" (required)',
      "collections/c.yaml:6:9 requests[0].actions[1]: must be an object with a type (invalid_type)",
    ]);
    assert.deepEqual(r.collections, []);
  });

  it("bad files: syntax, tabs, duplicate keys, a list for a mapping, empty, several documents", () => {
    const r = load({
      "collections/syntax.yaml": "requests: [\n  - url: x\n",
      "collections/tabs.yaml": "requests:\n\t- url: https://example.com/\n",
      "collections/dupkey.yaml": "requests: []\nname: a\nname: b\n",
      "collections/list.yaml": "- url: https://example.com/\n",
      "collections/reqmap.yaml": "requests:\n  url: https://example.com/\n",
      "collections/empty.yaml": "",
      "collections/comment.yaml": "# only a comment\n",
      "collections/two.yaml": `${OK}---\n${OK}`,
      "collections/bad.json": '{"requests": [],}\n',
      "collections/missing.yaml": "name: x\n",
      "collections/bomb.yaml": `a: &a [x, x]\nb: &b [${"*a, ".repeat(10)}*a]\nc: [${"*b, ".repeat(10)}*b]\nrequests: []\n`,
    });
    const got = lines(r.problems);
    assert.deepEqual(got, [
      "collections/bad.json:1:17 is not valid JSON: Expected double-quoted property name (json_syntax)",
      ...got.filter((l) => l.startsWith("collections/bomb.yaml")),
      "collections/comment.yaml:1:1 is empty: a collection file needs at least `requests:` (use `requests: []` for none) (empty_file)",
      'collections/dupkey.yaml:3:1 key "name" appears more than once in this mapping (duplicate_key)',
      "collections/empty.yaml:1:1 is empty: a collection file needs at least `requests:` (use `requests: []` for none) (empty_file)",
      "collections/list.yaml:1:1 must be a mapping with at least requests (invalid_type)",
      "collections/missing.yaml:1:1 requests: is required (use [] for an empty collection) (required)",
      "collections/reqmap.yaml:2:3 requests: must be a list of request objects (invalid_type)",
      ...got.filter((l) => l.startsWith("collections/syntax.yaml")),
      "collections/tabs.yaml:2:1 Tabs are not allowed as indentation (tab_indentation)",
      "collections/two.yaml:3:1 holds 2 documents: one collection per file (multiple_documents)",
    ]);
    assert.deepEqual(
      got.filter((l) => l.startsWith("collections/bomb.yaml")),
      [
        "collections/bomb.yaml:1:1 Excessive alias count indicates a resource exhaustion attack (yaml_syntax)",
      ],
    );
    const syntax = got.filter((l) => l.startsWith("collections/syntax.yaml"));
    assert.ok(
      syntax.length > 0 &&
        syntax.every((l) => /^collections\/syntax\.yaml:\d+:\d+ .+ \(yaml_syntax\)$/.test(l)),
      syntax.join("\n"),
    );
    assert.deepEqual(r.collections, []);
  });

  it("encodings: a UTF-8 byte-order mark is skipped; UTF-16 and non-UTF-8 bytes are refused with their position", () => {
    const bom = load({
      "collections/bom.yaml": Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from("requests:\n  - url: ftp://x\n"),
      ]),
    });
    // positions do not count the mark
    assert.deepEqual(lines(bom.problems), [
      "collections/bom.yaml:2:10 requests[0].url: must use http or https (invalid_protocol)",
    ]);
    const bomOk = load({
      "collections/bom.yaml": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(OK)]),
    });
    assert.deepEqual(bomOk.problems, []);
    assert.equal(bomOk.collections.length, 1);

    const r = load({
      "collections/latin1.yaml": Buffer.concat([
        Buffer.from('requests:\n  - url: "https://example.com/caf'),
        Buffer.from([0xe9]),
        Buffer.from('"\n'),
      ]),
      "collections/utf16.yaml": Buffer.from(`\ufeff${OK}`, "utf16le"),
    });
    assert.deepEqual(lines(r.problems), [
      "collections/latin1.yaml:2:34 is not UTF-8: byte 0xe9 cannot start or continue a character; save it as UTF-8 (encoding)",
      "collections/utf16.yaml:1:1 is UTF-16 (byte-order mark): save it as UTF-8 (encoding)",
    ]);
  });

  it("a.yaml next to a.json is an error: both would be the collection a", () => {
    const r = load({ "collections/a.yaml": OK, "collections/a.json": '{"requests": []}' });
    assert.deepEqual(lines(r.problems), [
      'collections/a.yaml:1:1 declares the same collection "a" as collections/a.json: keep one of them (duplicate_name)',
    ]);
  });

  it("a missing directory is one problem", () => {
    const r = load({}, { directory: "nowhere" });
    assert.deepEqual(lines(r.problems), ["nowhere:1:1 is not a directory of collection files (not_found)"]);
  });
});

describe("overlays", () => {
  it("merge by JSON Merge Patch: fields replace, lists replace as a whole, null removes", () => {
    const base = { name: "tours", callbackUrl: "https://h/x", requests: [{ url: "a" }, { url: "b" }] };
    assert.deepEqual(mergeOverlay(base, { requests: [{ url: "c" }] }), {
      name: "tours",
      callbackUrl: "https://h/x",
      requests: [{ url: "c" }],
    });
    assert.deepEqual(mergeOverlay(base, { callbackUrl: null, name: "tours-dev" }), {
      name: "tours-dev",
      requests: [{ url: "a" }, { url: "b" }],
    });
    assert.deepEqual(mergeOverlay({ a: { b: 1, c: 2 } }, { a: { c: null, d: 3 } }), { a: { b: 1, d: 3 } });
    assert.deepEqual(mergeOverlay(base, {}), base);
  });

  it("an overlay changes the base file of the same name; a file without a base is a stage-only collection", () => {
    const r = load(
      {
        "collections/tours.yaml":
          "name: tours\ncallbackUrl: https://h.example/prod\nrequests:\n  - url: https://example.com/1\n  - url: https://example.com/2\n",
        "collections/prices.yaml": OK,
        "stages/dev/tours.yml":
          "callbackUrl: https://h.example/dev\nrequests:\n  - url: https://example.com/1\n",
        "stages/dev/debug.yaml": "requests:\n  - url: https://example.com/debug\n",
      },
      { overlays: "stages/dev" },
    );
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.collections.map((c) => [c.key, c.file, c.overlayFile, c.spec]),
      [
        ["debug", "stages/dev/debug.yaml", undefined, { requests: [{ url: "https://example.com/debug" }] }],
        ["prices", "collections/prices.yaml", undefined, { requests: [{ url: "https://example.com/a" }] }],
        [
          "tours",
          "collections/tours.yaml",
          "stages/dev/tours.yml",
          {
            name: "tours",
            callbackUrl: "https://h.example/dev",
            requests: [{ url: "https://example.com/1" }],
          },
        ],
      ],
    );
    // a stage with no overlay directory deploys the base files
    assert.equal(load({ "collections/a.yaml": OK }, { overlays: "stages/none" }).collections.length, 1);
  });

  it("a problem is reported in the file that set the field; a stage-only file must be whole", () => {
    const r = load(
      {
        "collections/tours.yaml": "name: tours\nrequests:\n  - url: https://example.com/1\n",
        "stages/dev/tours.yaml": "requests:\n  - url: http://localhost:8080/\ncallback: x\n",
        "stages/dev/extra.yaml": "name: extra\n",
        "stages/dev/list.yaml": "- 1\n",
        "collections/list.yaml": OK,
      },
      { overlays: "stages/dev" },
    );
    assert.deepEqual(lines(r.problems), [
      "stages/dev/extra.yaml:1:1 requests: is required (use [] for an empty collection) (required)",
      "stages/dev/list.yaml:1:1 must be a mapping of the fields it changes (invalid_type)",
      "stages/dev/tours.yaml:2:10 requests[0].url: names a local or internal host (localhost, *.local, *.internal, metadata), which the API refuses (blocked_hostname)",
      "stages/dev/tours.yaml:3:1 callback: is not a field of a collection (expected name, callbackUrl, requests) (unknown_field)",
    ]);
  });

  it("a base file must be valid on its own, even where the stage's overlay replaces the bad field", () => {
    const r = load(
      {
        "collections/t.yaml": "requests:\n  - url: ftp://example.com/\n",
        "stages/dev/t.yaml": OK,
      },
      { overlays: "stages/dev" },
    );
    assert.deepEqual(lines(r.problems), [
      "collections/t.yaml:2:10 requests[0].url: must use http or https (invalid_protocol)",
    ]);
  });

  it("an overlay's null removes the base's name: the collection gets a derived name in that stage", () => {
    const r = load(
      { "collections/t.yaml": `name: t\n${OK}`, "stages/dev/t.json": '{"name": null}' },
      { overlays: "stages/dev" },
    );
    assert.deepEqual(r.collections[0]?.spec, { requests: [{ url: "https://example.com/a" }] });
  });
});
