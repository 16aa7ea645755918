import * as assert from "node:assert/strict";
import { diffCollection, sameJson } from "../../../provider/diff";
import { canonicalJson } from "../../../provider/idempotency";

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
});
