import * as assert from "node:assert/strict";
import {
  canonicalJson,
  deriveAutoName,
  deriveIdempotencyKey,
  logicalNameFromUrn,
} from "../../../../provider/core/identity";

const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/scrapingpros:Collection::daily-tours";
const BODY = { name: "n", requests: [{ url: "https://a.example", custom_id: "x", browser: true }] };

describe("idempotency", () => {
  it("canonical JSON sorts keys at every depth (RFC 8785)", () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: "é" } }),
      '{"a":{"c":"é","d":[1,{"y":2,"z":1}]},"b":1}',
    );
    assert.equal(canonicalJson({ a: undefined, b: 1e21 }), '{"b":1e+21}');
  });

  it("the key is UUID-shaped (version 8, RFC 9562 variant) and deterministic", () => {
    const k = deriveIdempotencyKey(URN, BODY);
    assert.match(k, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(deriveIdempotencyKey(URN, BODY), k);
  });

  it("the key ignores key order but changes with the body or the URN", () => {
    const k = deriveIdempotencyKey(URN, BODY);
    const reordered = { requests: [{ browser: true, custom_id: "x", url: "https://a.example" }], name: "n" };
    assert.equal(deriveIdempotencyKey(URN, reordered), k);
    assert.notEqual(deriveIdempotencyKey(URN, { ...BODY, name: "m" }), k);
    assert.notEqual(deriveIdempotencyKey(URN.replace("dev", "prod"), BODY), k);
  });

  it("auto names keep the logical name, are stable, and change with replace-forcing inputs", () => {
    const a = deriveAutoName(URN, { callbackUrl: null });
    assert.match(a, /^daily-tours-[0-9a-f]{8}$/);
    assert.equal(deriveAutoName(URN, { callbackUrl: null }), a);
    assert.notEqual(deriveAutoName(URN, { callbackUrl: "https://h.example/x" }), a);
    assert.notEqual(deriveAutoName(URN.replace("dev", "prod"), { callbackUrl: null }), a);
  });

  it("a scope and a chain attempt each give another key; no scope keeps the key of earlier versions", () => {
    const k = deriveIdempotencyKey(URN, BODY);
    assert.equal(deriveIdempotencyKey({ urn: URN }, BODY), k);
    const scoped = deriveIdempotencyKey({ urn: URN, scope: "s1" }, BODY);
    assert.notEqual(scoped, k);
    assert.notEqual(deriveIdempotencyKey({ urn: URN, scope: "s2" }, BODY), scoped);
    assert.equal(deriveIdempotencyKey({ urn: URN, scope: "s1" }, BODY, 0), scoped);
    assert.notEqual(deriveIdempotencyKey({ urn: URN, scope: "s1" }, BODY, 1), scoped);
    assert.equal(
      deriveIdempotencyKey({ urn: URN, scope: "s1" }, BODY, 1),
      deriveIdempotencyKey({ urn: URN, scope: "s1" }, BODY, 1),
    );
    assert.notEqual(deriveAutoName({ urn: URN, scope: "s1" }, {}), deriveAutoName(URN, {}));
  });

  it("logical name is the URN's last segment", () => {
    assert.equal(logicalNameFromUrn(URN), "daily-tours");
    assert.equal(logicalNameFromUrn("a::b::c$d::x::y"), "y");
  });

  it("canonical JSON refuses a value nested deeper than its bound with a clear error, not a stack overflow", () => {
    let v: unknown = 1;
    for (let i = 0; i < 12_000; i++) v = { d: v };
    assert.throws(() => canonicalJson(v), /nests lists and objects more than 256 levels deep/);
    let ok: unknown = 1;
    for (let i = 0; i < 255; i++) ok = [ok];
    assert.equal(canonicalJson(ok), `${"[".repeat(255)}1${"]".repeat(255)}`);
  });
});
