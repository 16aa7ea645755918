import * as assert from "node:assert/strict";
import { diffCollection, parsePropertyPath, sameJson } from "../../../../../provider/core/collection/diff";
import { canonicalJson } from "../../../../../provider/core/identity";

const base = {
  name: "n",
  requests: [{ url: "https://a.example", custom_id: "1" }],
  __urn: "urn:a",
  __provider: "p1",
  createdAt: 1,
  requestCount: 1,
};

describe("diff", () => {
  it("no change when only internal inputs, outputs or key order differ", () => {
    const d = diffCollection(base, {
      requests: [{ custom_id: "1", url: "https://a.example" }],
      name: "n",
      __urn: "urn:b",
      __provider: "p2",
    });
    assert.equal(d.changes, false);
    assert.deepEqual(d.replaces, []);
  });

  it("name and requests change in place", () => {
    assert.deepEqual(diffCollection(base, { ...base, name: "m" }).replaces, []);
    assert.equal(diffCollection(base, { ...base, name: "m" }).changes, true);
    const d = diffCollection(base, { ...base, requests: [{ url: "https://b.example", custom_id: "1" }] });
    assert.equal(d.changes, true);
    assert.deepEqual(d.replaces, []);
  });

  it("callbackUrl forces a replacement, create-before-delete", () => {
    const d = diffCollection(base, { ...base, callbackUrl: "https://hooks.example" });
    assert.equal(d.changes, true);
    assert.deepEqual(d.replaces, ["callbackUrl"]);
    assert.equal(d.deleteBeforeReplace, false);
  });

  it("adoption flags alone change nothing", () => {
    assert.equal(diffCollection(base, { ...base, adoptExisting: true, adoptId: "x" }).changes, false);
  });
});

describe("diff with replaceOnChanges", () => {
  const edited = { ...base, requests: [{ url: "https://a.example", custom_id: "2" }] };
  const roc = (paths: string[]) => ({ __replaceOnChanges: paths });

  it("a changed property under a listed path is replaced, not updated", () => {
    assert.deepEqual(diffCollection(base, { ...edited, ...roc(["requests"]) }).replaces, ["requests"]);
    assert.deepEqual(diffCollection(base, { ...edited, ...roc(["*"]) }).replaces, ["requests"]);
    assert.deepEqual(diffCollection(base, { ...base, name: "m", ...roc(["*"]) }).replaces, ["name"]);
  });

  it("a nested path replaces only when the values under it change", () => {
    // custom_id changed, url did not: an update.
    assert.deepEqual(diffCollection(base, { ...edited, ...roc(["requests[*].url"]) }).replaces, []);
    const urlEdited = { ...base, requests: [{ url: "https://b.example", custom_id: "1" }] };
    assert.deepEqual(diffCollection(base, { ...urlEdited, ...roc(["requests[*].url"]) }).replaces, [
      "requests",
    ]);
    assert.deepEqual(diffCollection(base, { ...urlEdited, ...roc(["requests[0].url"]) }).replaces, [
      "requests",
    ]);
    assert.deepEqual(diffCollection(base, { ...urlEdited, ...roc(["requests[1].url"]) }).replaces, []);
    const added = { ...base, requests: [...base.requests, { url: "https://c.example" }] };
    assert.deepEqual(diffCollection(base, { ...added, ...roc(["requests[*].url"]) }).replaces, ["requests"]);
  });

  it("paths of unchanged or other properties change nothing", () => {
    assert.deepEqual(diffCollection(base, { ...base, name: "m", ...roc(["requests"]) }).replaces, []);
    assert.equal(diffCollection(base, { ...base, ...roc(["*"]) }).changes, false);
  });
});

describe("parsePropertyPath", () => {
  const ok: [string, unknown[]][] = [
    ["requests", ["requests"]],
    ["requests[0].url", ["requests", 0, "url"]],
    ['requests[*]["custom_id"]', ["requests", "*", "custom_id"]],
    ["*", ["*"]],
  ];
  for (const [path, segments] of ok) {
    it(`parses ${path}`, () => {
      assert.deepEqual(
        parsePropertyPath(path).map((s) => (typeof s === "symbol" ? "*" : s)),
        segments,
      );
    });
  }
  for (const bad of ["", "requests[", ".requests", "requests..url", "requests[x]"]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parsePropertyPath(bad), /invalid property path/);
    });
  }
});

describe("sameJson", () => {
  const cases: [unknown, unknown][] = [
    [
      { a: 1, b: [1, { c: "x" }] },
      { b: [1, { c: "x" }], a: 1 },
    ],
    [{ a: 1, b: undefined }, { a: 1 }],
    [{ a: 1 }, { a: 2 }],
    [
      [1, 2],
      [2, 1],
    ],
    [[1], [1, 2]],
    [{ a: [] }, { a: {} }],
    [null, undefined],
    [0, null],
    ["1", 1],
    [{ a: { b: null } }, { a: { b: null } }],
    [{ a: { b: null } }, { a: {} }],
  ];
  for (const [a, b] of cases) {
    it(`agrees with canonical JSON on ${JSON.stringify(a)} vs ${JSON.stringify(b)}`, () => {
      assert.equal(sameJson(a, b), canonicalJson(a ?? null) === canonicalJson(b ?? null));
    });
  }

  it("compares values nested 100,000 levels deep without exhausting the stack", () => {
    const chain = (leaf: unknown) => {
      let v: unknown = leaf;
      for (let i = 0; i < 100_000; i++) v = i % 2 ? { d: v } : [v];
      return v;
    };
    assert.equal(sameJson(chain(1), chain(1)), true);
    assert.equal(sameJson(chain(1), chain(2)), false);
  });
});
