import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { useStack } from "../helpers/e2e";
import type { TestStack } from "../helpers/pulumi";

const OK = { url: "https://example.com/ok" };
const req = (r: Record<string, unknown>) => ({ requests: [OK, r] });

/** [what, Collection args, the property path the error must name, the reason it must give]. */
const CASES: [string, Record<string, unknown>, string, RegExp][] = [
  ["ftp URL", req({ url: "ftp://example.com/file" }), "requests[1].url", /http or https.*invalid_protocol/],
  ["file URL", req({ url: "file:///etc/passwd" }), "requests[1].url", /invalid_protocol/],
  ["scheme-less URL", req({ url: "www.example.com" }), "requests[1].url", /has no scheme; add https:\/\//],
  ["garbage URL", req({ url: "http://exa mple.com" }), "requests[1].url", /malformed_url/],
  ["empty URL", req({ url: "" }), "requests[1].url", /malformed_url/],
  ["private IPv4", req({ url: "http://192.168.1.1/admin" }), "requests[1].url", /private_ip/],
  ["loopback IPv4", req({ url: "http://127.0.0.1:8080/" }), "requests[1].url", /private_ip/],
  [
    "cloud metadata",
    req({ url: "http://169.254.169.254/latest/meta-data/" }),
    "requests[1].url",
    /metadata.*private_ip/,
  ],
  ["IPv6 loopback", req({ url: "http://[::1]/" }), "requests[1].url", /private_ip/],
  ["IPv6 link-local", req({ url: "http://[fe80::1]/" }), "requests[1].url", /link-local/],
  ["IPv4-mapped private IPv6", req({ url: "http://[::ffff:10.0.0.1]/" }), "requests[1].url", /private_ip/],
  ["localhost", req({ url: "http://localhost:3000/" }), "requests[1].url", /blocked_hostname/],
  ["internal name", req({ url: "http://metadata.google.internal/" }), "requests[1].url", /blocked_hostname/],
  ["missing URL", req({ browser: true }), "requests[1].url", /is required/],
  ["URL not a string", req({ url: 42 }), "requests[1].url", /must be a string/],
  ["request not an object", { requests: [OK, "https://example.com/x"] }, "requests[1]", /must be an object/],
  [
    "custom_id over 255",
    req({ url: "https://example.com/x", custom_id: "c".repeat(256) }),
    "requests[1].custom_id",
    /at most 255/,
  ],
  [
    "duplicate (url, custom_id)",
    { requests: [OK, { url: "https://example.com/x" }, OK] },
    "requests[2]",
    /duplicates requests\[0\]/,
  ],
  [
    "browser not a boolean",
    req({ url: "https://example.com/x", browser: "yes" }),
    "requests[1].browser",
    /true or false/,
  ],
  [
    "action without type",
    req({ url: "https://example.com/x", actions: [{ time: 5000 }] }),
    "requests[1].actions[0].type",
    /is required/,
  ],
  [
    "actions not a list",
    req({ url: "https://example.com/x", actions: { type: "wait" } }),
    "requests[1].actions",
    /list/,
  ],
  ["empty name", { name: "", requests: [OK] }, "name", /must not be empty/],
  ["callbackUrl not a URL", { requests: [OK], callbackUrl: "hooks" }, "callbackUrl", /has no scheme/],
  [
    "callbackUrl not http",
    { requests: [OK], callbackUrl: "ftp://hooks.example.com/" },
    "callbackUrl",
    /http or https/,
  ],
  ["no requests", { name: "x" }, "requests", /is required/],
];

describe("e2e: bad input fails preview with the property path and reason, and calls nothing (S7)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  useStack((h) => ({ emu, stack } = h));

  it(`has at least 20 cases (${CASES.length})`, () => assert.ok(CASES.length >= 20));

  for (const [what, args, property, reason] of CASES) {
    it(`${what} → ${property}`, async () => {
      stack.setProgram({ bad: args });
      const r = await stack.run(["preview"]);
      const out = r.stdout + r.stderr;
      assert.notEqual(r.code, 0, out);
      // The engine prints "resource 'bad': property <path> value {…} has a problem: <reason>".
      const line = out.split("\n").find((l) => l.includes(`resource 'bad': property ${property} `));
      assert.ok(line, `no error names ${property}:\n${out}`);
      assert.match(line, reason);
      assert.equal(emu.requests().length, 0, "preview called the API");
    });
  }
});

/**
 * One program with a sample of the preview corpus (tests/unit/provider/core/collection/preview-corpus.ts) in one
 * Collection, written as a user writes it (NaN, Infinity and a 12,000-level value cannot be JSON):
 * [the request, as JavaScript source; the path the failure names; what the reason says].
 */
const SAMPLE: [string, string, RegExp][] = [
  [
    '{ url: "http://localhost./?token=SECRET-1" }',
    "requests[1].url",
    /local or internal host.*blocked_hostname/,
  ],
  ['{ url: "http://foo.localhost./?token=SECRET-2" }', "requests[2].url", /blocked_hostname/],
  ['{ url: "http://metadata.google.internal./?token=SECRET-3" }', "requests[3].url", /blocked_hostname/],
  ['{ url: "http://printer.local./?token=SECRET-4" }', "requests[4].url", /blocked_hostname/],
  ['{ url: "http://internal/?token=SECRET-5" }', "requests[5].url", /blocked_hostname/],
  ['{ url: "http://local/?token=SECRET-6" }', "requests[6].url", /blocked_hostname/],
  ['{ url: "http://224.0.0.1/?token=SECRET-7" }', "requests[7].url", /multicast address.*private_ip/],
  ['{ url: "http://240.0.0.1/?token=SECRET-8" }', "requests[8].url", /reserved.*private_ip/],
  ['{ url: "http://255.255.255.255/?token=SECRET-9" }', "requests[9].url", /broadcast.*private_ip/],
  ['{ url: "http://[::127.0.0.1]/?token=SECRET-10" }', "requests[10].url", /IPv4-compatible.*private_ip/],
  [
    '{ url: "http://[64:ff9b::127.0.0.1]/?token=SECRET-11" }',
    "requests[11].url",
    /loopback.*NAT64.*private_ip/,
  ],
  [
    '{ url: "http://[64:ff9b::a9fe:a9fe]/?token=SECRET-12" }',
    "requests[12].url",
    /cloud metadata.*private_ip/,
  ],
  ['{ url: "http://[ff02::1]/?token=SECRET-13" }', "requests[13].url", /multicast.*private_ip/],
  ['{ url: "http://example.com:0/?token=SECRET-14" }', "requests[14].url", /port 0.*invalid_port/],
  [
    '{ url: "\\u0001https://example.com/?token=SECRET-15" }',
    "requests[15].url",
    /control character.*malformed_url/,
  ],
  ['{ url: "example.com/cb?token=SECRET-TOKEN-789" }', "requests[16].url", /has no scheme; add https:\/\//],
  ['{ url: "http://2130706433/?token=SECRET-17" }', "requests[17].url", /loopback.*private_ip/],
  ['{ url: "http://0x7f.1/?token=SECRET-18" }', "requests[18].url", /loopback.*private_ip/],
  ['{ url: "http://[2002:7f00:1::]/?token=SECRET-19" }', "requests[19].url", /6to4.*private_ip/],
  ['{ url: "https://example.com/a b?token=SECRET-20" }', "requests[20].url", /whitespace.*malformed_url/],
  [
    '{ url: "https://example.com/21", actions: [{ type: "wait-for-timeout", time: NaN }] }',
    "requests[21].actions[0].time",
    /is NaN, which JSON cannot carry/,
  ],
  ['{ url: "https://example.com/22", wait_ms: Infinity }', "requests[22].wait_ms", /is Infinity/],
  [
    '{ url: "https://example.com/23", extra: { t: [1, -Infinity] } }',
    "requests[23].extra.t[1]",
    /is -Infinity/,
  ],
  [
    // inside an Output (computed from another resource), so that the SDK's own guard does not see it
    '{ url: "https://example.com/24", deep: pulumi.output(deep) }',
    `requests[24].deep${".d".repeat(63)}`,
    /nests lists and objects more than 64 levels deep/,
  ],
  ['{ url: "https://example.com/ok" }', "requests[25]", /duplicates requests\[0\]/],
  // the NUL pair: the url with a NUL fails, and nothing is called a duplicate
  ['{ url: "https://a.example/x", custom_id: "y\\u0000z" }', "", /^$/],
  ['{ url: "https://a.example/x\\u0000y", custom_id: "z" }', "requests[27].url", /control character/],
  ['{ url: "https://example.com/28", browser: "yes" }', "requests[28].browser", /true or false/],
  [
    '{ url: "ftp://example.com/29?token=SECRET-29" }',
    "requests[29].url",
    /must use http or https \(invalid_protocol\)/,
  ],
];
/** Ports the API may refuse: preview warns, naming the path, and does not fail on them. */
const WARNED: [string, string][] = [
  ['{ url: "http://example.com:22/?token=SECRET-P1" }', "requests[30].url"],
  ['{ url: "http://example.com:6379/?token=SECRET-P2" }', "requests[31].url"],
];

describe("e2e: preview catches the corpus's bad inputs in one program, with each path, and calls nothing", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  useStack((h) => ({ emu, stack } = h));

  it(`a sample of ${SAMPLE.filter(([, p]) => p !== "").length} bad inputs fails preview, each named by its path; ports warn`, async () => {
    const program = [
      '"use strict";',
      'const pulumi = require("@pulumi/pulumi");',
      'const { Collection } = require("pulumi-scrapingpros");',
      "// a value nested 200 levels deep, built as a program might build it by mistake",
      "let deep = {};",
      "const root = deep;",
      "for (let i = 0; i < 200; i++) { deep.d = {}; deep = deep.d; }",
      "deep = root;",
      'new Collection("bad", {',
      '  name: "",',
      '  callbackUrl: "https://hooks.example/a b",',
      "  requests: [",
      '    { url: "https://example.com/ok" },',
      ...[...SAMPLE, ...WARNED].map(([source]) => `    ${source},`),
      "  ],",
      "});",
      "",
    ].join("\n");
    fs.writeFileSync(path.join(stack.projectDir, "index.js"), program);
    const r = await stack.run(["preview"]);
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0, out);
    const problems = out.split("\n").filter((l) => l.includes("resource 'bad': property "));
    const expected = [
      ...SAMPLE.filter(([, p]) => p !== "").map(([, p, reason]): [string, RegExp] => [p, reason]),
      ["name", /must not be empty/],
      ["callbackUrl", /whitespace.*malformed_url/],
    ] as [string, RegExp][];
    for (const [property, reason] of expected) {
      const line = problems.find((l) => l.includes(`property ${property} `));
      assert.ok(line, `no error names ${property}:\n${out}`);
      assert.match(line, reason);
    }
    // nothing else fails: not the NUL pair's first request, not the ports, not the good request (the
    // CLI prints each problem twice: as it happens and in the summary)
    const named = new Set(problems.map((l) => /property (\S+) /.exec(l)?.[1]));
    assert.deepEqual([...named].sort(), expected.map(([p]) => p).sort());
    for (const [, property] of WARNED) {
      assert.match(
        out,
        new RegExp(
          `warning: ${property.replace(/[[\].]/g, "\\$&")}: has a port other than 80, 443, 8080, 8443`,
        ),
        out,
      );
    }
    // no message holds a URL's token (the engine's own `value {…}` shows only top-level values)
    assert.ok(!out.includes("SECRET"), out);
    assert.equal(emu.requests().length, 0, "preview called the API");
    assert.equal(emu.collections().length, 0);
  });

  it("a value 12,000 levels deep fails preview with its path, not a stack overflow", async () => {
    const program = [
      '"use strict";',
      'const { Collection } = require("pulumi-scrapingpros");',
      "let deep = {};",
      "const root = deep;",
      "for (let i = 0; i < 12000; i++) { deep.d = {}; deep = deep.d; }",
      'new Collection("bad", { requests: [{ url: "https://example.com/ok" }, { url: "https://example.com/x", deep: root }] });',
      "",
    ].join("\n");
    fs.writeFileSync(path.join(stack.projectDir, "index.js"), program);
    const r = await stack.run(["preview"]);
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0, out);
    assert.ok(
      out.includes(`requests[1].deep${".d".repeat(63)}: nests lists and objects more than 64 levels deep`),
      out,
    );
    assert.doesNotMatch(out, /Maximum call stack size exceeded/);
    assert.equal(emu.requests().length, 0, "preview called the API");
  });
});
