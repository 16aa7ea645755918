import * as assert from "node:assert/strict";
import { MISSING_KEY_MESSAGE, resolveSettings } from "../../../provider/config";

const cfg = (values: Record<string, string>) => ({ get: (k: string) => values[k] });

describe("config", () => {
  it("stack config wins over the environment", () => {
    const s = resolveSettings(
      cfg({ "scrapingpros:apiKey": "from-config", "scrapingpros:baseUrl": "http://127.0.0.1:1" }),
      {
        SCRAPINGPROS_API_KEY: "from-env",
        SCRAPINGPROS_BASE_URL: "http://env.example",
      },
    );
    assert.equal(s.apiKey, "from-config");
    assert.equal(s.clientOptions.baseUrl, "http://127.0.0.1:1");
  });

  it("falls back to the environment and parses numbers", () => {
    const s = resolveSettings(cfg({}), {
      SCRAPINGPROS_API_KEY: "k",
      SCRAPINGPROS_MAX_RETRIES: "3",
      SCRAPINGPROS_TIMEOUT_MS: "2500",
    });
    assert.equal(s.apiKey, "k");
    assert.equal(s.clientOptions.maxRetries, 3);
    assert.equal(s.clientOptions.timeoutMs, 2500);
  });

  it("no key anywhere leaves it undefined, and the message says how to set it", () => {
    assert.equal(resolveSettings(cfg({}), {}).apiKey, undefined);
    assert.match(MISSING_KEY_MESSAGE, /pulumi config set --secret scrapingpros:apiKey/);
    assert.match(MISSING_KEY_MESSAGE, /SCRAPINGPROS_API_KEY/);
  });

  it("rejects a non-numeric retry setting, naming the key", () => {
    assert.throws(
      () => resolveSettings(cfg({ "scrapingpros:maxRetries": "lots" }), {}),
      (e: Error) =>
        /stack config scrapingpros:maxRetries is "lots": it must be a non-negative whole number/.test(
          e.message,
        ),
    );
  });
});
