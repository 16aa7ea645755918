import * as assert from "node:assert/strict";
import { checkCollectionRun } from "../../../../../provider/core/collection-run/check";

const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/scrapingpros:CollectionRun::run";

describe("checkCollectionRun: properties a CollectionRun does not have (pure, no call)", () => {
  const base = { collectionId: "c1", __urn: URN, __scope: "s", __provider: "code" };
  const reasons = (extra: Record<string, unknown>) =>
    Object.fromEntries(checkCollectionRun({ ...base, ...extra }).failures.map((f) => [f.property, f.reason]));

  it("the issue's input: trigger, timeout_seconds and callback_url each fail with the intended name", () => {
    assert.deepEqual(reasons({ trigger: "1", timeout_seconds: 60, callback_url: "https://h.example/x" }), {
      trigger: "is not a CollectionRun property; did you mean triggers?",
      timeout_seconds: "is not a CollectionRun property; did you mean timeoutSeconds?",
      callback_url: "is not a CollectionRun property; did you mean callbackUrl?",
    });
  });

  const variants: [string, string][] = [
    // snake_case of each property
    ["collection_id", "collectionId"],
    ["fail_on", "failOn"],
    ["timeout_seconds", "timeoutSeconds"],
    ["callback_url", "callbackUrl"],
    // wrong case, separators, one letter off
    ["CollectionId", "collectionId"],
    ["TRIGGERS", "triggers"],
    ["Wait", "wait"],
    ["timeoutseconds", "timeoutSeconds"],
    ["callbackURL", "callbackUrl"],
    ["callback-url", "callbackUrl"],
    ["failon", "failOn"],
    ["trigers", "triggers"],
    ["timeoutSecond", "timeoutSeconds"],
    ["failsOn", "failOn"],
    ["waits", "wait"],
  ];
  for (const [key, intended] of variants) {
    it(`${key} → did you mean ${intended}?`, () => {
      assert.deepEqual(reasons({ [key]: 1 }), {
        [key]: `is not a CollectionRun property; did you mean ${intended}?`,
      });
    });
  }

  it("an output passed as an input, and names close to none, fail too; declared and internal ones pass", () => {
    for (const output of [
      "runId",
      "status",
      "createdAt",
      "reattached",
      "jobIds",
      "run_id",
      "success_requests",
    ]) {
      assert.match(
        reasons({ [output]: "x" })[output] ?? "",
        /is an output of CollectionRun \(\w+, reported by the API\), not an input/,
        output,
      );
    }
    assert.equal(
      reasons({ name: "n" }).name,
      "is not a CollectionRun property (they are: collectionId, triggers, wait, timeoutSeconds, callbackUrl, failOn)",
    );
    assert.match(reasons({ __forged: 1 }).__forged ?? "", /is not a CollectionRun property/);
    assert.deepEqual(
      checkCollectionRun({
        ...base,
        triggers: [1],
        wait: "none",
        timeoutSeconds: 5,
        callbackUrl: "https://h.example/x",
        failOn: "none",
        unset: undefined,
      }).failures,
      [],
    );
  });
});
