import * as assert from "node:assert/strict";
import { checkCollection } from "../../../../../provider/core/collection/check";
import {
  closestName,
  KNOWN_REQUEST_FIELDS,
  requestNearMisses,
  unknownPropertyReason,
} from "../../../../../provider/core/rules/near-miss";

const URN = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/scrapingpros:Collection::c";

describe("near misses of known fields", () => {
  it("finds the intended request field whatever the case, separators or a one-letter slip", () => {
    const cases: [string, string | undefined][] = [
      ["customId", "custom_id"],
      ["CustomID", "custom_id"],
      ["custom-id", "custom_id"],
      ["Browser", "browser"],
      ["useProxy", "use_proxy"],
      ["screenShot", "screenshot"],
      ["action", "actions"],
      ["urls", "url"],
      ["custom_ids", "custom_id"],
      // Not close to anything known: an API parameter this package may not know.
      ["render_js", undefined],
      ["country", undefined],
      ["x", undefined],
    ];
    for (const [name, expected] of cases)
      assert.equal(closestName(name, KNOWN_REQUEST_FIELDS), expected, name);
  });

  it("warns with the property path, the suggestion and the advice; unknown fields far from any pass silently", () => {
    const misses = requestNearMisses([
      { url: "https://example.com/a" },
      { url: "https://example.com/b" },
      { url: "https://example.com/c" },
      {
        url: "https://example.com/d",
        customId: "sku-1",
        Browser: true,
        callback_url: "https://h.example.com",
        render_js: 1,
      },
    ]);
    assert.deepEqual(
      misses.map((m) => m.message),
      [
        "requests[3].customId: unknown field; did you mean custom_id? It is sent to the API as written: rename it to custom_id if that is what you meant",
        "requests[3].Browser: unknown field; did you mean browser? It is sent to the API as written: rename it to browser if that is what you meant",
        "requests[3].callback_url: callbackUrl is a property of the Collection, not of a request; move it next to `requests` as callbackUrl",
      ],
    );
  });

  it("gives no warning for values not known yet or not lists", () => {
    assert.deepEqual(requestNearMisses("04da6b54-80e4-46f7-96ec-b56ff0331ba9"), []);
    assert.deepEqual(requestNearMisses(undefined), []);
    assert.deepEqual(requestNearMisses([null, "x", { url: "https://example.com" }]), []);
  });

  it("check rejects an unknown top-level property with the likely intended one, and keeps passing request fields through", () => {
    const { inputs, failures } = checkCollection({
      __urn: URN,
      requests: [{ url: "https://example.com", customId: "a" }],
      callback_url: "https://hooks.example.com",
      adopt_existing: true,
      custom_id: "x",
      colour: "red",
    });
    assert.deepEqual(
      failures.map(({ property, reason }) => ({ property, reason })),
      [
        { property: "callback_url", reason: "is not a Collection property; did you mean callbackUrl?" },
        { property: "adopt_existing", reason: "is not a Collection property; did you mean adoptExisting?" },
        {
          property: "custom_id",
          reason: "is not a Collection property; custom_id is a field of each request: put it in requests[i]",
        },
        {
          property: "colour",
          reason:
            "is not a Collection property (they are: name, requests, callbackUrl, adoptExisting, adoptId)",
        },
      ],
    );
    assert.ok(failures.every((f) => f.code === "unknown_property"));
    assert.deepEqual(inputs.requests, [{ url: "https://example.com", customId: "a" }]);
    assert.equal(unknownPropertyReason("Name"), "is not a Collection property; did you mean name?");
  });
});
