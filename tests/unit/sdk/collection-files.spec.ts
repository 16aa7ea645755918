import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import {
  collectionNameKey,
  type FileProblem,
  formatFileProblem,
  type LoadOptions,
  loadCollectionFiles,
  mergeOverlay,
  parseCollectionFile,
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
      'collections/bad.json:1:16 is not valid JSON: trailing comma before "}": JSON allows no comma after the last member of an object; remove it (json_syntax)',
      ...got.filter((l) => l.startsWith("collections/bomb.yaml")),
      "collections/comment.yaml:1:1 is empty: a collection file needs at least `requests:` (use `requests: []` for none) (empty_file)",
      'collections/dupkey.yaml:3:1 key "name" appears more than once in this mapping (first at line 2, column 1) (duplicate_key)',
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

/** The problems of one file's text, as printed. */
const problemsOf = (file: string, text: string | Uint8Array) =>
  lines(parseCollectionFile(typeof text === "string" ? Buffer.from(text) : text, file).problems);

describe("JSON collection files: strict JSON, each error at its line and column, in a whole sentence", () => {
  // [what, text, the one problem] — each message names what was found and what JSON expects
  const CASES: [string, string, string][] = [
    [
      "a trailing comma on line 4 (the issue's input): at the comma",
      '{\n  "name": "x",\n  "requests": [\n    { "url": "https://example.com" },\n  ]\n}\n',
      'f.json:4:37 is not valid JSON: trailing comma before "]": JSON allows no comma after the last element of a list; remove it (json_syntax)',
    ],
    [
      "a trailing comma in an object",
      '{\n  "requests": [],\n}\n',
      'f.json:2:17 is not valid JSON: trailing comma before "}": JSON allows no comma after the last member of an object; remove it (json_syntax)',
    ],
    [
      "an unterminated string: at its opening quote",
      '{"requests": [], "name": "abc\n}',
      'f.json:1:26 is not valid JSON: this string has no closing " before the end of its line (a JSON string cannot span lines) (json_syntax)',
    ],
    [
      "a bad escape: at the backslash",
      '{"requests": [], "name": "a\\qb"}',
      'f.json:1:28 is not valid JSON: invalid escape \\q inside a string: JSON allows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX (four hex digits) (json_syntax)',
    ],
    [
      "a \\u escape without four hex digits",
      '{"name": "caf\\u00g9"}',
      "f.json:1:14 is not valid JSON: invalid escape \\u00g9 inside a string: \\u needs four hex digits (json_syntax)",
    ],
    [
      "a raw tab inside a string",
      '{"name": "a\tb"}',
      "f.json:1:12 is not valid JSON: control character U+0009 inside a string: JSON needs it escaped, as \\t (json_syntax)",
    ],
    [
      "leading zeros in an object",
      '{"requests": [], "n": 007}',
      "f.json:1:23 is not valid JSON: invalid number 007: JSON numbers have no leading zeros (json_syntax)",
    ],
    [
      "leading zeros in a list",
      '{"requests": [{"url": "https://example.com/", "actions": [{"type": "wait-for-timeout", "time": 0300}]}]}',
      "f.json:1:96 is not valid JSON: invalid number 0300: JSON numbers have no leading zeros (json_syntax)",
    ],
    [
      "NaN",
      '{"requests": [{"url": "https://example.com/", "time": NaN}]}',
      "f.json:1:55 is not valid JSON: NaN is not a JSON value: JSON numbers are finite (write null, or the number as a string) (json_syntax)",
    ],
    [
      "Infinity",
      '{"n": Infinity}',
      "f.json:1:7 is not valid JSON: Infinity is not a JSON value: JSON numbers are finite (write null, or the number as a string) (json_syntax)",
    ],
    [
      "-Infinity",
      '{"n": -Infinity}',
      "f.json:1:7 is not valid JSON: -Infinity is not a JSON value: JSON numbers are finite (write null, or the number as a string) (json_syntax)",
    ],
    [
      "a line comment",
      '{\n  // prod only\n  "requests": []\n}',
      "f.json:2:3 is not valid JSON: comments are not allowed in JSON (use a YAML file to keep comments) (json_syntax)",
    ],
    [
      "a block comment",
      '{"requests": [] /* none yet */}',
      "f.json:1:17 is not valid JSON: comments are not allowed in JSON (use a YAML file to keep comments) (json_syntax)",
    ],
    [
      "single quotes around a key",
      "{'requests': []}",
      'f.json:1:2 is not valid JSON: JSON needs double quotes (") around strings and property names, not single quotes (json_syntax)',
    ],
    [
      "single quotes around a value",
      '{"requests": [], "name": \'x\'}',
      'f.json:1:26 is not valid JSON: JSON needs double quotes (") around strings and property names, not single quotes (json_syntax)',
    ],
    [
      "an unquoted URL",
      '{"requests": [{"url": https://example.com/}]}',
      'f.json:1:23 is not valid JSON: unexpected "https": JSON expects a string in double quotes, a number, an object, a list, true, false or null (json_syntax)',
    ],
    [
      "True in capitals",
      '{"requests": [{"url": "https://example.com/", "browser": True}]}',
      'f.json:1:58 is not valid JSON: unexpected "True": JSON writes true, false and null in lowercase (json_syntax)',
    ],
    [
      "a missing colon",
      '{"requests" []}',
      'f.json:1:13 is not valid JSON: expected ":" after the property name, found "[" (json_syntax)',
    ],
    [
      "a missing comma between members",
      '{\n  "name": "x"\n  "requests": []\n}',
      `f.json:3:3 is not valid JSON: expected "," or "}" after a member, found '"requests"' (json_syntax)`,
    ],
    [
      "a truncated file: names the list left open",
      '{"requests": [{"url": "https://example.com/"}',
      'f.json:1:46 is not valid JSON: the file ends before the list opened at line 1, column 14 is closed: a "]" is missing (json_syntax)',
    ],
    [
      "trailing garbage after the value",
      '{"requests": []}\nrequests: []\n',
      'f.json:2:1 is not valid JSON: unexpected "requests" after the end of the value: a JSON file holds exactly one value (json_syntax)',
    ],
    [
      "a second value",
      '{"requests": []}{"requests": []}',
      'f.json:1:17 is not valid JSON: unexpected "{" after the end of the value: a JSON file holds exactly one value (json_syntax)',
    ],
    [
      "a no-break space, invisible: named by its code point",
      '{"requests":\u00a0[]}',
      "f.json:1:13 is not valid JSON: unexpected U+00A0: JSON expects a string in double quotes, a number, an object, a list, true, false or null (json_syntax)",
    ],
    [
      "a plus sign",
      '{"n": +1}',
      'f.json:1:7 is not valid JSON: invalid number: a JSON number starts with a digit or "-", found "+1" (json_syntax)',
    ],
    [
      "an exponent without digits",
      '{"n": 1e}',
      'f.json:1:7 is not valid JSON: invalid number "1e": digits must follow "-", "." and "e" (json_syntax)',
    ],
    [
      "an empty file",
      "",
      'f.json:1:1 is empty: a collection file needs at least "requests" (use {"requests": []} for none) (empty_file)',
    ],
    [
      "only whitespace",
      " \r\n\t\n",
      'f.json:1:1 is empty: a collection file needs at least "requests" (use {"requests": []} for none) (empty_file)',
    ],
    [
      "CRLF line endings: lines count CRLF once",
      '{\r\n  "name": "x",\r\n  "requests": [\r\n    {"url": "https://example.com"},\r\n  ]\r\n}\r\n',
      'f.json:4:35 is not valid JSON: trailing comma before "]": JSON allows no comma after the last element of a list; remove it (json_syntax)',
    ],
    [
      "tabs count one column each",
      '{\n\t\t"requests": [\t,]\n}',
      'f.json:2:17 is not valid JSON: expected a value (a string, number, object, list, true, false or null), found "," (json_syntax)',
    ],
    [
      "characters outside the BMP before the error count two columns (UTF-16 code units)",
      '{"name": "\u{1F600}\u{1F600}", x}',
      'f.json:1:18 is not valid JSON: unexpected "x": JSON expects a string in double quotes, a number, an object, a list, true, false or null (json_syntax)',
    ],
    [
      "a duplicate key at the top level: named once, readably, with its first position",
      '{\n  "name": "a",\n  "requests": [],\n  "name": "b"\n}',
      'f.json:4:3 key "name" appears more than once in this object (first at line 2, column 3) (duplicate_key)',
    ],
    [
      "a duplicate key inside a request",
      '{"requests": [\n  {"url": "https://a.example/",\n   "url": "https://b.example/"}\n]}',
      'f.json:3:4 key "url" appears more than once in this object (first at line 2, column 4) (duplicate_key)',
    ],
    [
      "a duplicate key inside an action, with quotes and a backslash in it",
      '{"requests": [{"url": "https://a.example/", "actions": [{"type": "x", "a\\"b": 1, "a\\"b": 2}]}]}',
      'f.json:1:82 key "a\\"b" appears more than once in this object (first at line 1, column 71) (duplicate_key)',
    ],
  ];
  for (const [what, text, problem] of CASES) {
    it(what, () => assert.deepEqual(problemsOf("f.json", text), [problem]));
  }

  it("null, a list and a string are valid JSON, but not collection files", () => {
    const r = load({
      "collections/null.json": "null",
      "collections/list.json": '[{"url": "https://example.com/"}]',
      "collections/string.json": '"requests"',
    });
    assert.deepEqual(lines(r.problems), [
      "collections/list.json:1:1 must be a mapping with at least requests (invalid_type)",
      "collections/null.json:1:1 must be a mapping with at least requests (required)",
      "collections/string.json:1:1 must be a mapping with at least requests (invalid_type)",
    ]);
  });

  it("every duplicate key is reported, at every level, and nothing else of the file", () => {
    assert.deepEqual(
      problemsOf(
        "f.json",
        '{"name": "a", "name": "b", "requests": [{"url": "https://a.example/", "custom_id": "1", "custom_id": "2"}]}',
      ),
      [
        'f.json:1:15 key "name" appears more than once in this object (first at line 1, column 2) (duplicate_key)',
        'f.json:1:89 key "custom_id" appears more than once in this object (first at line 1, column 71) (duplicate_key)',
      ],
    );
  });

  it("a UTF-8 byte-order mark is not counted in positions", () => {
    const text = '{\n  "requests": [\n    {"url": "ftp://x"}\n  ],\n}';
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    assert.deepEqual(problemsOf("f.json", withBom), problemsOf("f.json", text));
    assert.deepEqual(problemsOf("f.json", withBom), [
      'f.json:4:4 is not valid JSON: trailing comma before "}": JSON allows no comma after the last member of an object; remove it (json_syntax)',
    ]);
  });

  it("columns are counted alike in YAML and JSON (UTF-16 code units), rule problems too", () => {
    // JSON is YAML flow style: the same text, as either, puts the same problem at the same place
    const text = '{"name": "\u{1F600}\u{1F600} caf\u00e9", "requests": [{"url": "ftp://x"}]}';
    const r = load({ "collections/a.json": text, "collections/b.yaml": text });
    assert.deepEqual(lines(r.problems), [
      "collections/a.json:1:44 requests[0].url: must use http or https (invalid_protocol)",
      "collections/b.yaml:1:44 requests[0].url: must use http or https (invalid_protocol)",
    ]);
    // and lines: CRLF counts once in both
    const crlf = '{\r\n"name": "x",\r\n"requests": [{"url": "ftp://x"}]}';
    const c = load({ "collections/a.json": crlf, "collections/b.yaml": crlf });
    assert.deepEqual(
      c.problems.map((p) => [p.line, p.column]),
      [
        [3, 22],
        [3, 22],
      ],
    );
  });

  it("a `__proto__` key stays a key: an unknown field, in a base file and through an overlay", () => {
    const r = load(
      {
        "collections/a.json": '{"__proto__": {"callbackUrl": "https://h.example/x"}, "requests": []}',
        "collections/b.yaml": "requests: []\n",
        "stages/dev/b.json": '{"__proto__": {"callbackUrl": "https://h.example/x"}}',
      },
      { overlays: "stages/dev" },
    );
    assert.deepEqual(lines(r.problems), [
      "collections/a.json:1:2 __proto__: is not a field of a collection (expected name, callbackUrl, requests) (unknown_field)",
      "stages/dev/b.json:1:2 __proto__: is not a field of a collection (expected name, callbackUrl, requests) (unknown_field)",
    ]);
    const merged = mergeOverlay({ requests: [] }, JSON.parse('{"__proto__": {"x": 1}}')) as object;
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
    assert.deepEqual(Object.keys(merged), ["requests", "__proto__"]);
  });

  it("property: on 3,000 mutated JSON texts, a syntax error is reported exactly when JSON.parse refuses the text, inside the file, in a whole sentence", () => {
    const alphabet = fc.constantFrom(
      ..."{}[]:,\"'\\ \t\n\r0123456789-+.eEtruefalsnNI/*abx\u00a0\u2028\ufeff\u0000\u001f\u{1F600}",
    );
    fc.assert(
      fc.property(
        fc.json(),
        fc.array(fc.tuple(fc.nat(), alphabet, fc.boolean()), { maxLength: 3 }),
        (json, edits) => {
          let t = json;
          for (const [pos, ch, del] of edits) {
            const i = pos % (t.length + 1);
            t = del ? t.slice(0, i) + t.slice(i + 1) : t.slice(0, i) + ch + t.slice(i);
          }
          if (/^[ \t\r\n]*$/.test(t.replace(/^\ufeff/, ""))) return;
          let valid = true;
          try {
            JSON.parse(t.replace(/^\ufeff/, ""));
          } catch {
            valid = false;
          }
          const found = parseCollectionFile(Buffer.from(t), "f.json").problems;
          const syntax = found.filter((p) => p.code === "json_syntax");
          assert.equal(syntax.length, valid ? 0 : 1, `${JSON.stringify(t)}: ${lines(found).join("; ")}`);
          const textLines = t.replace(/^\ufeff/, "").split("\n");
          for (const p of found) {
            assert.ok(p.line >= 1 && p.line <= textLines.length, `${JSON.stringify(t)}: line ${p.line}`);
            assert.ok(
              p.column >= 1 && p.column <= (textLines[p.line - 1]?.length ?? 0) + 1,
              `${JSON.stringify(t)}: column ${p.column}`,
            );
            assert.doesNotMatch(p.message, /\.\.\.|\(\w+Expected\)|undefined/, p.message);
          }
        },
      ),
      { numRuns: 3000, seed: 16 },
    );
  });
});

describe("YAML duplicate keys: the key named once, as the document reads it, with its first position", () => {
  const CASES: [string, string, string][] = [
    [
      "a quoted key",
      '"name": a\n"name": b\nrequests: []\n',
      'f.yaml:2:1 key "name" appears more than once in this mapping (first at line 1, column 1) (duplicate_key)',
    ],
    [
      "quoted and plain",
      "'name': a\nname: b\nrequests: []\n",
      'f.yaml:2:1 key "name" appears more than once in this mapping (first at line 1, column 1) (duplicate_key)',
    ],
    [
      "a key holding a colon",
      '"a: b": 1\n"a: b": 2\n',
      'f.yaml:2:1 key "a: b" appears more than once in this mapping (first at line 1, column 1) (duplicate_key)',
    ],
    [
      "nested, in a request",
      "requests:\n  - url: https://a.example/\n    custom_id: x\n    custom_id: y\n",
      'f.yaml:4:5 key "custom_id" appears more than once in this mapping (first at line 3, column 5) (duplicate_key)',
    ],
    [
      "in a flow mapping",
      "requests: [{url: https://a.example/, url: https://b.example/}]\n",
      'f.yaml:1:38 key "url" appears more than once in this mapping (first at line 1, column 13) (duplicate_key)',
    ],
  ];
  for (const [what, text, problem] of CASES) {
    it(what, () => assert.deepEqual(problemsOf("f.yaml", text), [problem]));
  }
});

describe("duplicate collection names", () => {
  it("are compared in Unicode canonical form, without surrounding spaces, ignoring case; inner spaces count", () => {
    assert.equal(collectionNameKey(" Tours\t"), collectionNameKey("tours"));
    assert.equal(collectionNameKey("caf\u00e9"), collectionNameKey("cafe\u0301"));
    assert.equal(collectionNameKey("STRASSE"), collectionNameKey("stra\u00dfe"));
    assert.notEqual(collectionNameKey("my tours"), collectionNameKey("my  tours"));
    assert.notEqual(collectionNameKey("tours-1"), collectionNameKey("tours-2"));
  });

  it("NFC and NFD spellings of one name clash; names differing inside do not", () => {
    const r = load({
      "collections/a.yaml": `name: "caf\u00e9"\n${OK}`,
      "collections/b.json": `{"name": "cafe\u0301", "requests": []}`,
      "collections/c.yaml": `name: my tours\n${OK}`,
      "collections/d.yaml": `name: my  tours\n${OK}`,
    });
    assert.deepEqual(
      r.problems.map((p) => [p.file, p.line, p.column, p.code]),
      [
        ["collections/a.yaml", 1, 7, "duplicate_name"],
        ["collections/b.json", 1, 10, "duplicate_name"],
      ],
    );
  });

  it("names derived from the logical name (no `name:`) never clash, and a bad file is not counted twice", () => {
    const r = load({
      "collections/a.yaml": OK,
      "collections/b.yaml": OK,
      "collections/c.yaml": "name: c\nrequests:\n  - url: ftp://x\n",
      "collections/d.yaml": `name: c\n${OK}`,
    });
    assert.deepEqual(lines(r.problems), [
      "collections/c.yaml:3:10 requests[0].url: must use http or https (invalid_protocol)",
    ]);
  });
});
