import * as assert from "node:assert/strict";
import { resolveSettings } from "../../../../provider/core/config";
import { UNKNOWN } from "../../../../provider/core/rules/collection-rules";
import {
  checkProviderConfig,
  diffProviderConfig,
  isDefaultProvider,
  originOf,
  propertiesSource,
} from "../../../../provider/native/provider-config";

const urn = (name: string) => `urn:pulumi:dev::proj::pulumi:providers:scrapingpros::${name}`;

describe("native provider configuration", () => {
  it("the engine's default provider is `default` or `default_<version>`; any other name is an explicit provider", () => {
    for (const n of ["default", "default_0_1_0", "default_1_2_3_alpha"])
      assert.ok(isDefaultProvider(urn(n)), n);
    for (const n of ["eu", "defaults", "my-default"]) assert.ok(!isDefaultProvider(urn(n)), n);
    assert.deepEqual(originOf(urn("default_0_1_0")), { kind: "stack config" });
    assert.deepEqual(originOf(urn("eu")), { kind: "provider", provider: "eu" });
  });

  it("properties as settings: typed values as text, unknown values unset, the engine's and the scope not settings", () => {
    const source = propertiesSource(
      { maxRetries: 3, timeoutMs: "2500", baseUrl: UNKNOWN, version: "0.1.0", __scope: "s", __internal: {} },
      originOf(urn("eu")),
    );
    assert.equal(source.get("scrapingpros:maxRetries"), "3");
    assert.equal(source.get("scrapingpros:baseUrl"), undefined);
    assert.deepEqual(source.keys?.(), [
      "scrapingpros:maxRetries",
      "scrapingpros:timeoutMs",
      "scrapingpros:baseUrl",
    ]);
    const settings = resolveSettings(source, { SCRAPINGPROS_BASE_URL: "http://127.0.0.1:1" });
    assert.deepEqual(settings.clientOptions, {
      baseUrl: "http://127.0.0.1:1",
      maxRetries: 3,
      timeoutMs: 2500,
    });
    assert.deepEqual(settings.sources, {
      baseUrl: "environment variable SCRAPINGPROS_BASE_URL",
      maxRetries: `the provider "eu"'s maxRetries`,
      timeoutMs: `the provider "eu"'s timeoutMs`,
    });
  });

  it("an explicit provider's numbers as strings (how Python's SDK sends them) resolve as Go's typed numbers do", () => {
    const env = { SCRAPINGPROS_BASE_URL: "http://127.0.0.1:1" };
    const typed = { maxRetries: 2, timeoutMs: 5000, deadlineMs: 20000, maxThrottleWaitMs: 60000 };
    const strings = { maxRetries: "2", timeoutMs: "5000", deadlineMs: "20000", maxThrottleWaitMs: "60000" };
    const go = resolveSettings(propertiesSource(typed, originOf(urn("second-account"))), env);
    const python = resolveSettings(propertiesSource(strings, originOf(urn("second-account"))), env);
    assert.deepEqual(python.clientOptions, go.clientOptions);
    assert.deepEqual(python.clientOptions, { baseUrl: "http://127.0.0.1:1", ...typed });
    assert.deepEqual(python.sources, go.sources);
    const check = checkProviderConfig(urn("second-account"), {}, strings, env, () => "s");
    assert.deepEqual(check.failures, []);
    // A string that is not a number fails as a typed bad value does, naming the setting, not the value.
    for (const bad of ["2.5", "-1", "two"]) {
      const { failures } = checkProviderConfig(urn("eu"), {}, { maxRetries: bad }, env, () => "s");
      assert.equal(failures.length, 1, JSON.stringify(bad));
      assert.match(failures[0]?.reason ?? "", /^the provider "eu"'s maxRetries /);
    }
  });

  it("CheckConfig: the state's scope first, then the new properties' own, then a new one; failures name no property", () => {
    const draw = () => "drawn";
    assert.equal(
      checkProviderConfig(urn("eu"), { __scope: "old" }, { __scope: "new" }, {}, draw).inputs.__scope,
      "old",
    );
    assert.equal(checkProviderConfig(urn("eu"), {}, { __scope: "new" }, {}, draw).inputs.__scope, "new");
    assert.equal(checkProviderConfig(urn("eu"), { __scope: "" }, {}, {}, draw).inputs.__scope, "drawn");
    const bad = checkProviderConfig(urn("eu"), {}, { timeoutMs: "soon" }, {}, draw);
    assert.deepEqual(bad.failures, [
      {
        property: "",
        reason: `the provider "eu"'s timeoutMs is "soon": it must be a non-negative number of milliseconds, e.g. 30000`,
      },
    ]);
    assert.deepEqual(bad.inputs, { timeoutMs: "soon", __scope: "drawn" });
  });

  it("DiffConfig: changed properties, in order; the scope counts only when the state has none", () => {
    assert.deepEqual(
      diffProviderConfig(
        { apiKey: "a", baseUrl: "u", __scope: "s" },
        { apiKey: "b", baseUrl: "u", maxRetries: 2, __scope: "s" },
      ),
      { changes: true, diffs: ["apiKey", "maxRetries"] },
    );
    // Objects compare by content, not key order.
    assert.deepEqual(
      diffProviderConfig(
        { __internal: { a: 1, b: 2 }, __scope: "s" },
        { __internal: { b: 2, a: 1 }, __scope: "s" },
      ),
      { changes: false, diffs: [] },
    );
    assert.deepEqual(diffProviderConfig({ __scope: "s" }, { __scope: "t" }), { changes: false, diffs: [] });
    assert.deepEqual(diffProviderConfig({ apiKey: "a" }, { apiKey: "a", __scope: "s" }), {
      changes: true,
      diffs: ["__scope"],
    });
  });
});
