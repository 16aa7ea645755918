import * as assert from "node:assert/strict";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { ResourceInitError } from "../../../../provider/core/resource-init-error";
import { UNKNOWN } from "../../../../provider/core/rules/collection-rules";
import { isSecretEnvelope } from "../../../../provider/core/secrets";
import {
  parseRunImportId,
  rewrap,
  runFromEngine,
  runInitError,
  runToEngine,
  typeOfUrn,
  unwrapSecrets,
  withSecretInputs,
} from "../../../../provider/native/wire";

const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
const URN = "urn:pulumi:dev::proj::scrapingpros:index:Collection::tours";

describe("native wire", () => {
  it("unwraps envelopes at any depth; a top-level input that is or holds a secret is secret as a whole", () => {
    const { values, secret: names } = unwrapSecrets({
      name: "tours",
      callbackUrl: secret("https://hooks.example/x"),
      requests: [{ url: "https://a.example" }, { url: secret("https://b.example/?t=1") }],
      nested: secret([secret({ deep: secret("x") })]),
      unknown: UNKNOWN,
    });
    assert.deepEqual(values, {
      name: "tours",
      callbackUrl: "https://hooks.example/x",
      requests: [{ url: "https://a.example" }, { url: "https://b.example/?t=1" }],
      nested: [{ deep: "x" }],
      unknown: UNKNOWN,
    });
    assert.deepEqual([...names].sort(), ["callbackUrl", "nested", "requests"]);
  });

  it("keeps other special values (a resource reference) as they are", () => {
    const ref = { [specialSigKey]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:x", id: "i" };
    assert.deepEqual(unwrapSecrets({ r: ref }).values.r, ref);
  });

  it("check's inputs get the URN, the scope and the sorted secret names; a __secretInputs the engine sent is replaced", () => {
    const inputs = withSecretInputs(
      unwrapSecrets({ requests: secret([]), callbackUrl: secret("u"), __secretInputs: ["name"] }),
      URN,
      "scope-1",
    );
    assert.deepEqual(inputs, {
      requests: [],
      callbackUrl: "u",
      __urn: URN,
      __scope: "scope-1",
      __secretInputs: ["callbackUrl", "requests"],
    });
    assert.deepEqual(
      withSecretInputs(unwrapSecrets({ name: "n", __secretInputs: ["name"] }), URN, undefined),
      {
        name: "n",
        __urn: URN,
      },
    );
  });

  it("rewrap puts the named properties (present ones) back in their envelope, once", () => {
    const out = rewrap({ a: "x", b: secret("y"), c: 1 }, ["a", "b", "missing"]);
    assert.ok(isSecretEnvelope(out.a) && isSecretEnvelope(out.b));
    assert.equal((out.b as { value: unknown }).value, "y");
    assert.equal(out.c, 1);
    assert.ok(!("missing" in out));
  });

  it("a run's createdAt: epoch seconds inside, ISO on the wire, read in either form", () => {
    assert.equal(runToEngine({ createdAt: 1795934233.442 }).createdAt, "2026-11-29T06:37:13.442Z");
    assert.equal(runFromEngine({ createdAt: "2026-11-29T06:37:13.442Z" }).createdAt, 1795934233.442);
    assert.equal(runFromEngine({ createdAt: 1795934233.442 }).createdAt, 1795934233.442);
    assert.equal(runToEngine({ createdAt: null }).createdAt, null);
    const e = runInitError(
      new ResourceInitError("m", "r1", { createdAt: 1795934233, status: "in_progress" }, ["m"]),
    );
    assert.ok(e instanceof ResourceInitError);
    assert.equal(e.properties.createdAt, "2026-11-29T06:37:13.000Z");
    const other = new Error("x");
    assert.equal(runInitError(other), other);
  });

  it("a run's import id is <collectionId>/<runId>; any other form is not", () => {
    assert.deepEqual(parseRunImportId(" c-1/r-2 "), { collectionId: "c-1", runId: "r-2" });
    for (const bad of ["r-2", "c/r/x", "/r", "c/", "c /r", ""])
      assert.equal(parseRunImportId(bad), undefined, bad);
  });

  it("the type token of a URN, also of a resource with parents", () => {
    assert.equal(typeOfUrn(URN), "scrapingpros:index:Collection");
    assert.equal(
      typeOfUrn("urn:pulumi:dev::proj::my:Component$scrapingpros:index:CollectionRun::r"),
      "scrapingpros:index:CollectionRun",
    );
  });
});
