import * as assert from "node:assert/strict";
import {
  MISSING_KEY_MESSAGE,
  missingKeyMessage,
  plainKeyWarning,
  resolveSettings,
  STACK_CONFIG,
  settingName,
  settingSource,
  settingsProblems,
  showSettingValue,
  unknownSettings,
  withoutCredentials,
} from "../../../../provider/core/config";

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

describe("config: credentials are refused and never echoed", () => {
  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("did not throw");
  };
  // Built at run time: a committed string shaped like a live key would trip the secret scanners.
  const KEY = ["SPK", "live", "9f8e7d6c5b4a"].join("_");
  const EXPECTED =
    "expected an absolute http(s) URL such as https://api.scrapingpros.com or http://127.0.0.1:8787";

  it("the issue's input: a base URL with a bad scheme and a key as password names both problems, not the key", () => {
    const m = messageOf(() =>
      resolveSettings(cfg({}), { SCRAPINGPROS_BASE_URL: `htps://user:${KEY}@api.scrapingpros.com` }),
    );
    assert.equal(
      m,
      'environment variable SCRAPINGPROS_BASE_URL is "htps://***@api.scrapingpros.com": it uses htps, not http or ' +
        "https; and it carries a user name or password (user:password@host), which the provider refuses: the API " +
        "key belongs in scrapingpros:apiKey (sent as a Bearer header), and a credential in the base URL would be " +
        `stored and shown in plain text; remove it, and rotate it if the value was shared or committed; ${EXPECTED}`,
    );
  });

  it("a valid http(s) base URL with a user name or password is refused, from either source, without printing it", () => {
    const values = [
      `http://user:${KEY}@127.0.0.1:8787`,
      `https://${KEY}@api.scrapingpros.com`,
      `https://${KEY}:@api.scrapingpros.com/v1`,
      `https://user:${encodeURIComponent(`${KEY}/+=`)}@api.scrapingpros.com`,
      `user:${KEY}@api.scrapingpros.com`,
      `  https://a:${KEY}@h.example  `,
    ];
    for (const value of values) {
      for (const [config, env, source] of [
        [{ "scrapingpros:baseUrl": value }, {}, "stack config scrapingpros:baseUrl"],
        [{}, { SCRAPINGPROS_BASE_URL: value }, "environment variable SCRAPINGPROS_BASE_URL"],
      ] as const) {
        const m = messageOf(() => resolveSettings(cfg(config), env));
        assert.ok(m.startsWith(`${source} is `), m);
        assert.match(m, /it carries a user name or password/);
        assert.ok(!m.includes(KEY) && !m.includes(encodeURIComponent(KEY)), m);
      }
    }
    // what is left after the credential is shown, so the user sees which URL it was
    assert.match(
      messageOf(() => resolveSettings(cfg({ "scrapingpros:baseUrl": values[0] as string }), {})),
      /is "http:\/\/\*\*\*@127\.0\.0\.1:8787"/,
    );
    // an "@" further on (a path) is no credential
    assert.equal(
      resolveSettings(cfg({ "scrapingpros:baseUrl": "https://api.example/v1/@team" }), {}).clientOptions
        .baseUrl,
      "https://api.example/v1/@team",
    );
  });

  it("a query or fragment of a bad base URL is not shown (a token could be there)", () => {
    const m = messageOf(() =>
      resolveSettings(cfg({ "scrapingpros:baseUrl": `ftp://h.example/?key=${KEY}#${KEY}` }), {}),
    );
    assert.match(m, /is "ftp:\/\/h\.example\/\?\*\*\*#\*\*\*": it uses ftp/);
    assert.ok(!m.includes(KEY));
  });

  it("a key pasted into another setting is not echoed: the configured key, or anything shaped like a key", () => {
    const hidden = /is a value of \d+ characters, not shown because it could be a credential: /;
    for (const [name, env] of [
      ["timeoutMs", "SCRAPINGPROS_TIMEOUT_MS"],
      ["deadlineMs", "SCRAPINGPROS_DEADLINE_MS"],
      ["maxRetries", "SCRAPINGPROS_MAX_RETRIES"],
    ] as const) {
      // the configured key, whole or a part of it
      for (const value of [KEY, `${KEY.slice(2, 12)}`, `Bearer ${KEY}`]) {
        const m = messageOf(() =>
          resolveSettings(cfg({ "scrapingpros:apiKey": KEY, [`scrapingpros:${name}`]: value }), {}),
        );
        assert.match(m, hidden, `${name}=${value}`);
        assert.ok(!m.includes(value), m);
      }
      // no key configured: the shape of a key is enough
      for (const value of [KEY, "sk_test_abcdef0123456789", "3f9d2c1b-7a6e-4b5d-9c8f-1e2d3c4b5a69"]) {
        const m = messageOf(() => resolveSettings(cfg({}), { [env]: value }));
        assert.match(m, hidden, `${env}=${value}`);
        assert.ok(!m.includes(value), m);
      }
    }
    // a typo is still shown, to make it easy to fix
    assert.match(
      messageOf(() => resolveSettings(cfg({ "scrapingpros:timeoutMs": "30s" }), {})),
      /is "30s": it must be/,
    );
    assert.match(
      messageOf(() => resolveSettings(cfg({ "scrapingpros:maxRetries": "lots" }), {})),
      /is "lots": it must be/,
    );
    assert.match(
      messageOf(() => resolveSettings(cfg({}), { SCRAPINGPROS_BASE_URL: "api.scrapingpros.com" })),
      /is "api\.scrapingpros\.com"/,
    );
  });

  it("showSettingValue: quoted when short and not key-like; a length when too long", () => {
    assert.equal(showSettingValue("lots"), '"lots"');
    assert.equal(showSettingValue("http://127.0.0.1:8787"), '"http://127.0.0.1:8787"');
    assert.match(showSettingValue("x".repeat(81)), /^a value of 81 characters, not shown/);
    assert.equal(
      withoutCredentials("htps://user:pw@api.example.com/v1?t=x"),
      "htps://***@api.example.com/v1?***",
    );
  });
});

describe("config: every problem at once, and the names of an explicit native provider's settings", () => {
  const eu = { kind: "provider" as const, provider: "eu" };
  const withKeys = (values: Record<string, string>, origin?: typeof eu) => ({
    get: (k: string) => values[k],
    keys: () => Object.keys(values),
    ...(origin ? { origin } : {}),
  });

  it("settingsProblems lists unknown keys, misspelled variables and each bad value; resolveSettings reports as before: the unknown keys, else the misspelled variables, else the first bad value", () => {
    const source = withKeys({
      "scrapingpros:baseURL": "x",
      "scrapingpros:maxRetries": "lots",
      "scrapingpros:timeoutMs": "soon",
    });
    const env = { SCRAPINGPROS_APIKEY: "k" };
    assert.deepEqual(
      settingsProblems(source, env).map((p) => [p.kind, p.setting]),
      [
        ["unknown setting", undefined],
        ["misspelled variable", undefined],
        ["bad value", "maxRetries"],
        ["bad value", "timeoutMs"],
      ],
    );
    assert.throws(
      () => resolveSettings(source, env),
      (e: Error) =>
        e.message.startsWith("unknown setting scrapingpros:baseURL") && !e.message.includes("APIKEY"),
    );
    assert.throws(
      () => resolveSettings(withKeys({ "scrapingpros:maxRetries": "lots" }), env),
      (e: Error) => e.message.startsWith("environment variable SCRAPINGPROS_APIKEY is not read"),
    );
    assert.throws(
      () =>
        resolveSettings(
          withKeys({ "scrapingpros:maxRetries": "lots", "scrapingpros:timeoutMs": "soon" }),
          {},
        ),
      (e: Error) =>
        e.message ===
        'stack config scrapingpros:maxRetries is "lots": it must be a non-negative whole number, e.g. 4',
    );
    assert.deepEqual(settingsProblems(withKeys({ "scrapingpros:apiKey": "k" }), {}), []);
  });

  it("an explicit provider's settings: sourced and named after it, its unknown properties named as properties", () => {
    const s = resolveSettings(withKeys({ "scrapingpros:baseUrl": "http://127.0.0.1:1" }, eu), {});
    assert.deepEqual(s.sources, { baseUrl: `the provider "eu"'s baseUrl` });
    assert.deepEqual(s.origin, eu);
    assert.equal(settingName(eu, "timeoutMs"), `the provider "eu"'s timeoutMs`);
    assert.equal(settingSource(STACK_CONFIG, "timeoutMs"), "stack config scrapingpros:timeoutMs");
    assert.deepEqual(
      unknownSettings(["scrapingpros:baseURL", "aws:region"], eu).map((u) => u.message),
      [
        `the provider "eu" has no property baseURL: did you mean baseUrl? It takes apiKey, baseUrl, maxRetries, timeoutMs, deadlineMs, maxThrottleWaitMs`,
      ],
    );
  });

  it("the missing-key message and the plain-key warning: today's for the stack config, the provider's own for an explicit one", () => {
    assert.equal(missingKeyMessage(), MISSING_KEY_MESSAGE);
    assert.equal(missingKeyMessage(STACK_CONFIG), MISSING_KEY_MESSAGE);
    assert.match(
      missingKeyMessage(eu),
      /^ScrapingPros API key is not set: give the provider "eu" an apiKey .* or set the SCRAPINGPROS_API_KEY environment variable$/,
    );
    assert.match(
      plainKeyWarning("prod"),
      /^scrapingpros:apiKey is stored in plain text in Pulumi\.prod\.yaml/,
    );
    assert.match(
      plainKeyWarning("prod", eu),
      /^the provider "eu"'s apiKey is not a secret, so Pulumi stores it in plain text in the state/,
    );
  });
});
