import * as assert from "node:assert/strict";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import {
  asSecret,
  isSecretEnvelope,
  redactorFor,
  SECRET_INPUTS,
  SECRET_REDACTED,
  SecretRedactor,
  secretInputsOf,
  withSecrets,
} from "../../../../provider/core/secrets";
import { secretForms } from "../../../helpers/secret-forms";

const URL_WITH_TOKEN = "http://localhost./cb?token=SECRET-TOKEN-123&user=alice42";

describe("secret inputs: the envelope the engine stores as a secret", () => {
  it("wraps a value as Pulumi's RPC secret, once; null and undefined stay as they are", () => {
    assert.deepEqual(asSecret("x"), { [specialSigKey]: specialSecretSig, value: "x" });
    assert.deepEqual(asSecret([{ url: "u" }]), { [specialSigKey]: specialSecretSig, value: [{ url: "u" }] });
    assert.deepEqual(asSecret(asSecret(3)), asSecret(3));
    assert.equal(asSecret(null), null);
    assert.equal(asSecret(undefined), undefined);
    assert.ok(isSecretEnvelope(asSecret(false)));
    assert.ok(!isSecretEnvelope({ value: 1 }));
  });

  it("withSecrets wraps only the named properties that exist", () => {
    const out = withSecrets({ a: 1, b: "two", c: null }, ["b", "c", "missing"]);
    assert.deepEqual(out, { a: 1, b: asSecret("two"), c: null });
    assert.ok(!("missing" in out));
  });

  it("reads __secretInputs, ignoring what is not a name", () => {
    assert.deepEqual([...secretInputsOf({ [SECRET_INPUTS]: ["name", 3, "requests"] })], ["name", "requests"]);
    assert.deepEqual([...secretInputsOf({ [SECRET_INPUTS]: "name" })], []);
    assert.deepEqual([...secretInputsOf({})], []);
  });
});

describe("secret inputs: redaction of messages", () => {
  it("hides a secret value in every encoding an API could echo", () => {
    const r = new SecretRedactor([URL_WITH_TOKEN]);
    for (const form of secretForms(URL_WITH_TOKEN)) {
      const text = r.redact(`the API said: ${form} is not allowed`);
      assert.ok(!text.includes("SECRET-TOKEN-123"), `${form} → ${text}`);
      assert.deepEqual(
        secretForms(URL_WITH_TOKEN).filter((f) => text.includes(f)),
        [],
        text,
      );
      assert.match(text, /^the API said: .*\[secret\].* is not allowed$/);
    }
  });

  it("hides the parts of a secret URL an API may echo alone: query, query values, path, user info", () => {
    const r = new SecretRedactor([
      "https://bob:hunter2pass@hooks.example/deliver/xyz?token=SECRET-TOKEN-123#frag-ment",
    ]);
    for (const part of [
      "token=SECRET-TOKEN-123",
      "SECRET-TOKEN-123",
      "/deliver/xyz",
      "hunter2pass",
      "frag-ment",
    ]) {
      const text = r.redact(`rejected: ${part}`);
      assert.equal(text, `rejected: ${SECRET_REDACTED}`, part);
    }
    // the host alone is not a secret part: the message stays readable
    assert.equal(r.redact("host hooks.example refused"), "host hooks.example refused");
  });

  it("hides the string leaves of objects and arrays (a secret header or cookie field), and numbers", () => {
    const r = new SecretRedactor([
      [{ url: "https://a.example/x", headers: { Authorization: "Bearer abc.def.ghi" } }],
      987654,
    ]);
    assert.equal(r.redact("header Bearer abc.def.ghi refused"), `header ${SECRET_REDACTED} refused`);
    assert.equal(r.redact("id 987654"), `id ${SECRET_REDACTED}`);
    assert.equal(r.redact("https://a.example/x"), SECRET_REDACTED);
  });

  it("leaves values shorter than 4 characters alone (booleans, short codes), and texts without secrets unchanged", () => {
    const r = new SecretRedactor(["en", true, "ok"]);
    assert.ok(r.empty);
    assert.equal(r.redact("en ok true"), "en ok true");
    assert.equal(new SecretRedactor(["SECRET-TOKEN-123"]).redact("nothing here"), "nothing here");
  });

  it("replaces a whole URL before its parts, so none of it remains", () => {
    const r = new SecretRedactor([URL_WITH_TOKEN]);
    assert.equal(r.redact(`blocked: ${URL_WITH_TOKEN}.`), `blocked: ${SECRET_REDACTED}.`);
  });

  it("redactorFor takes the values of the inputs named in __secretInputs only", () => {
    const props = {
      [SECRET_INPUTS]: ["callbackUrl"],
      name: "public-name",
      callbackUrl: "https://hooks.example/x?token=CB-SECRET-456",
    };
    const r = redactorFor(props);
    assert.equal(r.redact("public-name CB-SECRET-456"), `public-name ${SECRET_REDACTED}`);
    assert.ok(redactorFor({ name: "x" }).empty);
  });

  it("stays fast for 50,000 secret requests (the largest collection the bench measures)", () => {
    const requests = Array.from({ length: 50_000 }, (_, i) => ({
      url: `https://example.com/t/${i}?token=tok${i}x`,
    }));
    const r = new SecretRedactor([requests]);
    const started = Date.now();
    for (let i = 0; i < 5; i++)
      r.redact(`PUT /v1/async/collections/abc: attempt ${i} failed (503), retrying`);
    assert.equal(r.redact("leak: https://example.com/t/49999?token=tok49999x"), `leak: ${SECRET_REDACTED}`);
    // about 30 ms a message on the 2-core development machine, including building the candidates once
    assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
  });
});
