import * as assert from "node:assert/strict";
import { checkCollection, UNKNOWN } from "../../../../../provider/core/collection/check";

const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/scrapingpros:Collection::daily";
const ok = (extra: Record<string, unknown> = {}) => ({
  __urn: URN,
  name: "daily",
  requests: [{ url: "https://example.com" }],
  ...extra,
});

describe("check", () => {
  it("accepts a valid collection and passes unknown request fields and action types through", () => {
    const req = {
      url: "https://e.example",
      custom_id: "a",
      wait_until: "load",
      actions: [{ type: "future-action", x: 1 }],
    };
    const r = checkCollection(ok({ requests: [req] }));
    assert.deepEqual(r.failures, []);
    assert.deepEqual(r.inputs.requests, [req]);
    assert.equal(r.inputs.name, "daily");
  });

  it("derives a name when none is given, stable for the same URN and callbackUrl", () => {
    const a = checkCollection(ok({ name: undefined }));
    const b = checkCollection(ok({ name: undefined }));
    assert.match(String(a.inputs.name), /^daily-[0-9a-f]{8}$/);
    assert.equal(a.inputs.name, b.inputs.name);
    assert.equal(a.inputs.autoNamed, true);
    const c = checkCollection(ok({ name: undefined, callbackUrl: "https://hooks.example/x" }));
    assert.notEqual(c.inputs.name, a.inputs.name);
  });

  it("keeps a stored auto name: a URN change (alias, re-parent, stack rename) renames nothing", () => {
    const first = checkCollection(ok({ name: undefined, __scope: "s1" }));
    const olds = { ...first.inputs };
    const moved = URN.replace("::daily", "::daily2").replace("dev::", "dev2::");
    const again = checkCollection(ok({ __urn: moved, name: undefined, __scope: "s1" }), olds);
    assert.deepEqual(again.failures, []);
    assert.equal(again.inputs.name, first.inputs.name);
    assert.equal(again.inputs.autoNamed, true);
    // Scope-less state (written before scopes existed) keeps its name too.
    const legacy = { name: "daily-0a1b2c3d", autoNamed: true, __urn: URN };
    assert.equal(
      checkCollection(ok({ name: undefined, __scope: "s1" }), legacy).inputs.name,
      "daily-0a1b2c3d",
    );
  });

  it("derives a fresh name when there is no auto-named old state (new resource, replacement, explicit before)", () => {
    const derived = checkCollection(ok({ name: undefined, __scope: "s1" })).inputs.name;
    assert.equal(checkCollection(ok({ name: undefined, __scope: "s1" }), {}).inputs.name, derived);
    const wasExplicit = { name: "mine", __urn: URN };
    assert.equal(checkCollection(ok({ name: undefined, __scope: "s1" }), wasExplicit).inputs.name, derived);
  });

  it("the stack scope tells apart stacks with the same URNs; an unknown scope leaves the name unknown", () => {
    const a = checkCollection(ok({ name: undefined, __scope: "scope-a" })).inputs.name;
    const b = checkCollection(ok({ name: undefined, __scope: "scope-b" })).inputs.name;
    assert.notEqual(a, b);
    assert.match(String(a), /^daily-[0-9a-f]{8}$/);
    assert.equal(checkCollection(ok({ name: undefined, __scope: UNKNOWN })).inputs.name, UNKNOWN);
    assert.equal(checkCollection(ok({ __scope: 3 })).failures[0]?.property, "__scope");
  });

  it("validates the replaceOnChanges paths the SDK passes on", () => {
    assert.deepEqual(
      checkCollection(ok({ __replaceOnChanges: ["requests[*].url", "*", "name"] })).failures,
      [],
    );
    const bad = checkCollection(ok({ __replaceOnChanges: ["name", "hidden-value[", "name"] })).failures;
    assert.equal(bad.length, 1);
    assert.equal(bad[0]?.property, "replaceOnChanges[1]");
    assert.equal(bad[0]?.code, "invalid_path");
    assert.match(bad[0]?.reason ?? "", /is not a valid property path/);
    // the message names the entry, not the value
    assert.ok(!bad[0]?.reason.includes("hidden-value"));
  });

  it("a replacement checked again gets the next generation and, auto-named, a new name", () => {
    const first = checkCollection(ok({ name: undefined, __scope: "s1" }));
    const replacement = checkCollection(ok({ name: undefined, __scope: "s1" }), {}, { generation: 0 });
    assert.equal(replacement.inputs.__generation, 1);
    assert.notEqual(replacement.inputs.name, first.inputs.name);
    const next = checkCollection(ok({ name: undefined, __scope: "s1" }), {}, { generation: 1 });
    assert.equal(next.inputs.__generation, 2);
    assert.notEqual(next.inputs.name, replacement.inputs.name);
    // Later checks carry the generation on.
    assert.equal(checkCollection(ok({ __scope: "s1" }), { ...replacement.inputs }).inputs.__generation, 1);
  });

  it("accepts an empty request list", () => {
    assert.deepEqual(checkCollection(ok({ requests: [] })).failures, []);
  });

  it("skips values that are unknown during preview", () => {
    const r = checkCollection(ok({ requests: [{ url: UNKNOWN }, UNKNOWN], callbackUrl: UNKNOWN }));
    assert.deepEqual(r.failures, []);
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "ftp url",
      { requests: [{ url: "https://ok.example" }, { url: "ftp://x.example/f" }] },
      "requests[1].url",
      /http or https/,
    ],
    [
      "scheme-less url",
      { requests: [{ url: "www.example.com" }] },
      "requests[0].url",
      /has no scheme; add https:\/\//,
    ],
    ["private ip", { requests: [{ url: "http://10.1.1.1/" }] }, "requests[0].url", /private_ip/],
    ["localhost", { requests: [{ url: "http://localhost/" }] }, "requests[0].url", /blocked_hostname/],
    ["missing url", { requests: [{ browser: true }] }, "requests[0].url", /required/],
    ["non-string url", { requests: [{ url: 42 }] }, "requests[0].url", /string/],
    ["request not an object", { requests: ["https://x.example"] }, "requests[0]", /object/],
    [
      "long custom_id",
      { requests: [{ url: "https://x.example", custom_id: "x".repeat(256) }] },
      "requests[0].custom_id",
      /255/,
    ],
    [
      "duplicate pair",
      {
        requests: [{ url: "https://x.example" }, { url: "https://y.example" }, { url: "https://x.example" }],
      },
      "requests[2]",
      /duplicates requests\[0\]/,
    ],
    [
      "bad browser",
      { requests: [{ url: "https://x.example", browser: "yes" }] },
      "requests[0].browser",
      /true or false/,
    ],
    [
      "action without type",
      { requests: [{ url: "https://x.example", actions: [{ time: 5 }] }] },
      "requests[0].actions[0].type",
      /required/,
    ],
    [
      "actions not a list",
      { requests: [{ url: "https://x.example", actions: {} }] },
      "requests[0].actions",
      /list/,
    ],
    ["no requests", { requests: undefined }, "requests", /required/],
    ["requests not a list", { requests: "x" }, "requests", /list/],
    ["empty name", { name: " " }, "name", /empty/],
    ["long name", { name: "n".repeat(256) }, "name", /255/],
    ["bad callback", { callbackUrl: "not-a-url" }, "callbackUrl", /has no scheme/],
    ["ftp callback", { callbackUrl: "ftp://h.example/" }, "callbackUrl", /http or https/],
    ["unknown property", { colour: "red" }, "colour", /not a Collection property/],
    ["bad adoptExisting", { adoptExisting: "yes" }, "adoptExisting", /true or false/],
    ["missing urn", { __urn: undefined }, "__urn", /Collection class/],
  ];
  for (const [what, extra, property, reason] of bad) {
    it(`rejects ${what} at ${property}`, () => {
      const { failures } = checkCollection(ok(extra));
      const f = failures.find((x) => x.property === property);
      assert.ok(f, `expected a failure at ${property}, got ${JSON.stringify(failures)}`);
      assert.match(f.reason, reason);
    });
  }

  it("the same url with different custom_ids is not a duplicate", () => {
    const r = checkCollection(
      ok({
        requests: [
          { url: "https://v.example/1", custom_id: "en" },
          { url: "https://v.example/1", custom_id: "es" },
        ],
      }),
    );
    assert.deepEqual(r.failures, []);
  });

  it("refuses a callbackUrl change on an explicitly named collection with adoptExisting", () => {
    const olds = ok({ adoptExisting: true, callbackUrl: "https://hooks.example/a" });
    const r = checkCollection(ok({ adoptExisting: true, callbackUrl: "https://hooks.example/b" }), olds);
    assert.equal(r.failures[0]?.property, "callbackUrl");
    assert.match(r.failures[0]?.reason ?? "", /new name or drop adoptExisting/);
    // allowed: a new collection, the same callback, a new name, or no adoptExisting
    assert.deepEqual(
      checkCollection(ok({ adoptExisting: true, callbackUrl: "https://hooks.example/b" })).failures,
      [],
    );
    assert.deepEqual(
      checkCollection(ok({ adoptExisting: true, callbackUrl: "https://hooks.example/a" }), olds).failures,
      [],
    );
    assert.deepEqual(
      checkCollection(
        ok({ name: "other", adoptExisting: true, callbackUrl: "https://hooks.example/b" }),
        olds,
      ).failures,
      [],
    );
    assert.deepEqual(checkCollection(ok({ callbackUrl: "https://hooks.example/b" }), olds).failures, []);
  });
});
