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

describe("config: bad settings name the setting, its source and the fix", () => {
  const keys = (values: Record<string, string>) => ({
    get: (k: string) => values[k],
    keys: () => Object.keys(values),
  });
  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("did not throw");
  };

  it("an unknown scrapingpros:* key fails, with the likely intended key and the known ones; other namespaces are ignored", () => {
    assert.equal(
      messageOf(() =>
        resolveSettings(keys({ "scrapingpros:baseURL": "http://127.0.0.1:8787", "aws:region": "x" }), {}),
      ),
      "unknown setting scrapingpros:baseURL in the stack config: did you mean scrapingpros:baseUrl? Run " +
        "`pulumi config rm scrapingpros:baseURL` and `pulumi config set scrapingpros:baseUrl <value>`. The provider " +
        "reads scrapingpros:apiKey, scrapingpros:baseUrl, scrapingpros:maxRetries, scrapingpros:timeoutMs, scrapingpros:deadlineMs, " +
        "scrapingpros:maxThrottleWaitMs",
    );
    assert.match(
      messageOf(() => resolveSettings(keys({ "scrapingpros:apikey": "k" }), {})),
      /did you mean scrapingpros:apiKey\? Run `pulumi config rm scrapingpros:apikey` and `pulumi config set --secret scrapingpros:apiKey <value>`/,
    );
    assert.match(
      messageOf(() => resolveSettings(keys({ "scrapingpros:region": "eu" }), {})),
      /^unknown setting scrapingpros:region in the stack config: remove it with `pulumi config rm scrapingpros:region`/,
    );
    assert.doesNotThrow(() =>
      resolveSettings(keys({ "aws:region": "x", "scrapingpros:baseUrl": "https://a.example" }), {}),
    );
  });

  it("a base URL without a scheme, or not http(s), names its source and the expected form", () => {
    const expected =
      "expected an absolute http(s) URL such as https://api.scrapingpros.com or http://127.0.0.1:8787";
    assert.equal(
      messageOf(() => resolveSettings(cfg({ "scrapingpros:baseUrl": "127.0.0.1:8787" }), {})),
      `stack config scrapingpros:baseUrl is "127.0.0.1:8787": it has no scheme (add http:// or https://); ${expected}`,
    );
    assert.equal(
      messageOf(() => resolveSettings(cfg({}), { SCRAPINGPROS_BASE_URL: "api.scrapingpros.com" })),
      `environment variable SCRAPINGPROS_BASE_URL is "api.scrapingpros.com": it has no scheme (add http:// or https://); ${expected}`,
    );
    assert.equal(
      messageOf(() => resolveSettings(cfg({ "scrapingpros:baseUrl": "ftp://files.example" }), {})),
      `stack config scrapingpros:baseUrl is "ftp://files.example": it uses ftp, not http or https; ${expected}`,
    );
  });

  it("a misspelled SCRAPINGPROS_* variable fails when the intended one is unset; others are left alone", () => {
    assert.equal(
      messageOf(() => resolveSettings(cfg({}), { SCRAPINGPROS_BASEURL: "http://127.0.0.1:8787" })),
      "environment variable SCRAPINGPROS_BASEURL is not read by the provider: did you mean SCRAPINGPROS_BASE_URL? " +
        "Rename it. The provider reads SCRAPINGPROS_API_KEY, SCRAPINGPROS_BASE_URL, SCRAPINGPROS_MAX_RETRIES, " +
        "SCRAPINGPROS_TIMEOUT_MS, SCRAPINGPROS_DEADLINE_MS, SCRAPINGPROS_MAX_THROTTLE_WAIT_MS",
    );
    assert.doesNotThrow(() =>
      resolveSettings(cfg({}), { SCRAPINGPROS_EMULATOR_API_KEY: "k", SCRAPINGPROS_TEAM: "data" }),
    );
    assert.doesNotThrow(() =>
      resolveSettings(cfg({}), { SCRAPINGPROS_APIKEY: "old", SCRAPINGPROS_API_KEY: "k" }),
    );
  });

  it("maxThrottleWaitMs: read from stack config or the environment, validated like the other millisecond settings", () => {
    const fromConfig = resolveSettings(cfg({ "scrapingpros:maxThrottleWaitMs": "240000" }), {
      SCRAPINGPROS_MAX_THROTTLE_WAIT_MS: "1",
    });
    assert.equal(fromConfig.clientOptions.maxThrottleWaitMs, 240000);
    assert.equal(fromConfig.sources.maxThrottleWaitMs, "stack config scrapingpros:maxThrottleWaitMs");
    const fromEnv = resolveSettings(cfg({}), { SCRAPINGPROS_MAX_THROTTLE_WAIT_MS: "0" });
    assert.equal(fromEnv.clientOptions.maxThrottleWaitMs, 0);
    assert.equal(fromEnv.sources.maxThrottleWaitMs, "environment variable SCRAPINGPROS_MAX_THROTTLE_WAIT_MS");
    assert.equal(resolveSettings(cfg({}), {}).clientOptions.maxThrottleWaitMs, undefined);
    for (const bad of ["10m", "-1", "Infinity", " "]) {
      assert.equal(
        messageOf(() => resolveSettings(cfg({ "scrapingpros:maxThrottleWaitMs": bad }), {})),
        `stack config scrapingpros:maxThrottleWaitMs is ${JSON.stringify(bad)}: it must be a non-negative number of milliseconds, e.g. 30000`,
      );
    }
    assert.equal(
      messageOf(() => resolveSettings(cfg({}), { SCRAPINGPROS_MAX_THROTTLE_WAIT_MS: "ten" })),
      'environment variable SCRAPINGPROS_MAX_THROTTLE_WAIT_MS is "ten": it must be a non-negative number of milliseconds, e.g. 30000',
    );
    assert.match(
      messageOf(() => resolveSettings(cfg({}), { SCRAPINGPROS_MAX_THROTTLE_WAIT: "1" })),
      /^environment variable SCRAPINGPROS_MAX_THROTTLE_WAIT is not read by the provider: did you mean SCRAPINGPROS_MAX_THROTTLE_WAIT_MS\?/,
    );
  });

  it("records where each setting came from", () => {
    const s = resolveSettings(cfg({ "scrapingpros:apiKey": "k" }), { SCRAPINGPROS_DEADLINE_MS: "5000" });
    assert.deepEqual(s.sources, {
      apiKey: "stack config scrapingpros:apiKey",
      deadlineMs: "environment variable SCRAPINGPROS_DEADLINE_MS",
    });
  });
});
