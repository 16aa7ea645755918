import * as assert from "node:assert/strict";
import {
  ApiConnectionError,
  ApiTimeoutError,
  AuthenticationError,
  type CallHistory,
  InternalServerError,
  RateLimitError,
  type ScrapingProsError,
} from "../../../../provider/client/errors";
import { resolveSettings } from "../../../../provider/core/config";
import {
  describeRecovery,
  formatDuration,
  REFRESH_HINT,
  userErrorFor,
} from "../../../../provider/core/messages";
import { isUserFacing, UserFacingError } from "../../../../provider/core/user-error";
import { engineAddressFromArgv } from "../../../../provider/engine/engine-log";

const cfg = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
const BASE = "http://127.0.0.1:8787";
const fromConfig = resolveSettings(cfg({ "scrapingpros:apiKey": "k", "scrapingpros:baseUrl": BASE }), {});
const fromEnv = resolveSettings(cfg({}), { SCRAPINGPROS_API_KEY: "k", SCRAPINGPROS_BASE_URL: BASE });

const unauthorized = () =>
  new AuthenticationError({
    status: 401,
    detail: "Invalid API key",
    headers: {},
    method: "GET",
    path: "/v1/async/collections/c1",
    retryable: false,
  });

const messageOf = (e: unknown): string => {
  assert.ok(isUserFacing(e), `not a user-facing error: ${String(e)}`);
  return (e as Error).message;
};

describe("user-facing errors", () => {
  it("a 401 says where the key came from and how to set it, for stack config and the environment", () => {
    assert.equal(
      messageOf(userErrorFor(unauthorized(), { op: "update", settings: fromConfig, baseUrl: BASE })),
      `the ScrapingPros API refused the API key from stack config scrapingpros:apiKey (401: Invalid API key) at ${BASE}; ` +
        "set a valid key with `pulumi config set --secret scrapingpros:apiKey <key>`.",
    );
    assert.equal(
      messageOf(userErrorFor(unauthorized(), { op: "create", settings: fromEnv, baseUrl: BASE })),
      `the ScrapingPros API refused the API key from environment variable SCRAPINGPROS_API_KEY (401: Invalid API key) at ${BASE}; ` +
        "set SCRAPINGPROS_API_KEY to a valid key (a scrapingpros:apiKey in the stack config would win over it).",
    );
  });

  it("during a refresh (read), key and connection errors point at the saved settings and --run-program", () => {
    const auth = messageOf(userErrorFor(unauthorized(), { op: "read", settings: fromConfig, baseUrl: BASE }));
    assert.ok(auth.endsWith(` ${REFRESH_HINT}`), auth);
    assert.match(REFRESH_HINT, /pulumi refresh --run-program/);
    const conn = Object.assign(
      new ApiConnectionError("GET /v1/async/collections/c1 failed without a response (ECONNREFUSED)"),
      {
        attempts: 5,
      },
    );
    assert.equal(
      messageOf(userErrorFor(conn, { op: "read", settings: fromEnv, baseUrl: BASE })),
      `could not reach the ScrapingPros API at ${BASE} (environment variable SCRAPINGPROS_BASE_URL) after 5 attempts: ` +
        "GET /v1/async/collections/c1 failed without a response (ECONNREFUSED). Check scrapingpros:baseUrl (or " +
        `SCRAPINGPROS_BASE_URL) and the network. ${REFRESH_HINT}`,
    );
  });

  it("a hung API: the whole call's deadline, the attempts, and the settings that change them (defaults named)", () => {
    const e = Object.assign(new ApiTimeoutError("PUT /v1/async/collections/c1 timed out after 27770 ms"), {
      attempts: 5,
      deadlineMs: 120000,
      deadlineFrom: "client" as const,
    });
    const settings = resolveSettings(cfg({ "scrapingpros:apiKey": "k" }), {});
    assert.equal(
      messageOf(userErrorFor(e, { op: "update", settings, baseUrl: "https://api.scrapingpros.com" })),
      "PUT /v1/async/collections/c1: timed out, no answer from the API after 5 attempts within the call's deadline of " +
        "120000 ms (the default; scrapingpros:deadlineMs is not set); each attempt may take 30000 ms (the default; " +
        "scrapingpros:timeoutMs is not set), retries: at most 4 (the default; scrapingpros:maxRetries is not set). " +
        "Check that https://api.scrapingpros.com is up; if it is only slow, raise scrapingpros:deadlineMs and " +
        "scrapingpros:timeoutMs (or the resource's customTimeouts).",
    );
  });

  it("a hung API under customTimeouts: the resource's budget, not what remained of it when the call began", () => {
    const e = Object.assign(new ApiTimeoutError("POST /v1/async/collections timed out after 1873 ms"), {
      attempts: 1,
      deadlineMs: 1873,
      deadlineFrom: "call" as const,
    });
    const settings = resolveSettings(cfg({ "scrapingpros:apiKey": "k" }), {});
    const ctx = { op: "create" as const, settings, baseUrl: "https://api.scrapingpros.com" };
    assert.match(
      messageOf(userErrorFor(e, { ...ctx, customTimeoutMs: 2000 })),
      /^POST \/v1\/async\/collections: timed out, no answer from the API after 1 attempt within the call's deadline of 2000 ms, from the resource's customTimeouts; /,
    );
    // Without the budget (a caller outside the provider), the call's own deadline is all there is.
    assert.match(
      messageOf(userErrorFor(e, ctx)),
      /within the call's deadline of 1873 ms, from the resource's customTimeouts; /,
    );
  });

  it("other API errors keep their message and add the attempts; unknown errors pass unchanged", () => {
    const e = Object.assign(
      new InternalServerError({
        status: 503,
        detail: "down",
        headers: {},
        method: "PUT",
        path: "/v1/async/collections/c1",
        retryable: true,
      }),
      { attempts: 3 },
    );
    assert.equal(
      messageOf(userErrorFor(e, { op: "update", settings: fromConfig, baseUrl: BASE })),
      "PUT /v1/async/collections/c1 failed with 503: down (after 3 attempts)",
    );
    const bug = new TypeError("x is undefined");
    assert.equal(userErrorFor(bug, { op: "update", settings: fromConfig, baseUrl: BASE }), bug);
  });

  it("a user-facing error prints as one line through the dynamic-provider host, with no frames", () => {
    const e = new UserFacingError('stack config scrapingpros:baseUrl is "x": it is not a URL');
    // The host prints `${e}: ${e.stack}` for check, diff, read and delete.
    assert.equal(
      `${e}: ${e.stack}`,
      'scrapingpros: stack config scrapingpros:baseUrl is "x": it is not a URL',
    );
  });

  it("one line per recovered operation, counting the reasons", () => {
    const retry = (reason: string) => ({
      method: "PUT",
      path: "/p",
      attempt: 0,
      reason,
      throttled: false,
      delayMs: 1,
    });
    assert.equal(describeRecovery({ op: "update", urn: undefined, retries: [] }), undefined);
    assert.equal(
      describeRecovery({
        op: "update",
        urn: undefined,
        retries: [retry("503"), retry("503"), retry("timeout")],
      }),
      "update succeeded after 4 attempts (retried after 503 ×2, timeout); run with --debug to see each retry",
    );
  });

  it("finds the engine address among the flags the engine passes to plugins", () => {
    const node = ["node", "/x/@pulumi/pulumi/cmd/dynamic-provider"];
    assert.equal(engineAddressFromArgv([...node, "127.0.0.1:1234"]), "127.0.0.1:1234");
    assert.equal(
      engineAddressFromArgv([...node, "--logtostderr", "-v=9", "--tracing", "file:/t", "127.0.0.1:1234"]),
      "127.0.0.1:1234",
    );
    assert.equal(engineAddressFromArgv(node), undefined);
  });
});

describe("user-facing errors: a call that gave up says what the API answered and what ended it", () => {
  const PROD = "https://api.scrapingpros.com";
  const defaults = resolveSettings(cfg({ "scrapingpros:apiKey": "k" }), {});
  const history = (h: Partial<CallHistory>): CallHistory => ({
    attempts: 1,
    throttled: {},
    failed: {},
    noAnswer: { network: 0, timeout: 0 },
    throttledForMs: 0,
    rateLimitWaitMs: 0,
    elapsedMs: 0,
    stop: "not-retryable",
    ...h,
  });
  const apiError = (status: number, detail: string, extra: Partial<ScrapingProsError>) =>
    Object.assign(
      new (status === 429 ? RateLimitError : InternalServerError)({
        status,
        detail,
        headers: {},
        method: "PUT",
        path: "/v1/async/collections/c1",
        retryable: true,
      }),
      { deadlineMs: 120000, deadlineFrom: "client" as const, ...extra },
    );
  const update = (e: unknown, settings = defaults, customTimeoutMs?: number) =>
    messageOf(userErrorFor(e, { op: "update", settings, baseUrl: PROD, customTimeoutMs }));

  it("throttled until maxThrottleWaitMs: how often, for how long, and the setting that bounded the wait", () => {
    const e = apiError(503, "injected fault", {
      attempts: 48,
      history: history({
        attempts: 48,
        throttled: { "503": 48 },
        throttledForMs: 600_000,
        rateLimitWaitMs: 600_000,
        elapsedMs: 601_500,
        stop: "maxThrottleWaitMs",
      }),
    });
    assert.equal(
      update(e),
      "PUT /v1/async/collections/c1 gave up after 48 attempts in 10 min 2 s: the API throttled it 48 times " +
        "(503 with Retry-After ×48) for 10 min 0 s. Waits for the API's rate limit may take at most 600000 ms " +
        "(the default; scrapingpros:maxThrottleWaitMs is not set) in all; it had waited 10 min 0 s when it stopped. " +
        "The last answer: failed with 503: injected fault. The API asked every time to come back later (a " +
        "maintenance, or its rate limit): run `pulumi up` again later, or raise scrapingpros:maxThrottleWaitMs " +
        "(or the resource's customTimeouts).",
    );
    const fromEnv = resolveSettings(cfg({ "scrapingpros:apiKey": "k" }), {
      SCRAPINGPROS_MAX_THROTTLE_WAIT_MS: "60000",
    });
    assert.match(
      update(e, fromEnv),
      /may take at most 60000 ms \(environment variable SCRAPINGPROS_MAX_THROTTLE_WAIT_MS\) in all/,
    );
  });

  it("429s and 503s with Retry-After are counted apart", () => {
    const e = apiError(429, "slow down", {
      history: history({
        attempts: 7,
        throttled: { "429": 4, "503": 3 },
        throttledForMs: 61_000,
        rateLimitWaitMs: 60_500,
        elapsedMs: 61_200,
        stop: "maxThrottleWaitMs",
      }),
    });
    assert.match(
      update(e),
      /: the API throttled it 7 times \(429 ×4, 503 with Retry-After ×3\) for 1 min 1 s\. /,
    );
  });

  it("failed with 5xx until maxRetries: the statuses, and the setting with its source", () => {
    const e = apiError(503, "down", {
      attempts: 5,
      history: history({ attempts: 5, failed: { "503": 3, "500": 2 }, elapsedMs: 7_400, stop: "maxRetries" }),
    });
    assert.equal(
      update(e),
      "PUT /v1/async/collections/c1 gave up after 5 attempts in 7.4 s: the API failed 5 times (500 ×2, 503 ×3). " +
        "Retries after failures: at most 4 (the default; scrapingpros:maxRetries is not set) (throttled attempts are " +
        "not counted). The last answer: failed with 503: down. Check that https://api.scrapingpros.com is up; raise " +
        "scrapingpros:maxRetries to retry more.",
    );
  });

  it("the issue's 8645 attempts: throttled thousands of times, then one timeout, is not 'no answer from the API'", () => {
    const e = Object.assign(new ApiTimeoutError("PUT /v1/async/collections/c1 timed out after 3 ms"), {
      attempts: 8645,
      deadlineMs: 120000,
      deadlineFrom: "client" as const,
      history: history({
        attempts: 8645,
        throttled: { "429": 8644 },
        noAnswer: { network: 0, timeout: 1 },
        throttledForMs: 119_990,
        rateLimitWaitMs: 0,
        elapsedMs: 120_000,
        stop: "deadlineMs",
      }),
    });
    const m = update(e);
    assert.doesNotMatch(m, /no answer from the API/);
    assert.equal(
      m,
      "PUT /v1/async/collections/c1 gave up after 8645 attempts in 2 min 0 s: the API throttled it 8644 times " +
        "(429 ×8644) for 2 min 0 s and gave no answer once (timed out ×1). The call's deadline ran out: 120000 ms " +
        "(the default; scrapingpros:deadlineMs is not set). The last answer: timed out after 3 ms. Check that " +
        `${PROD} is up; if it is only slow, raise scrapingpros:deadlineMs and scrapingpros:timeoutMs (or the ` +
        "resource's customTimeouts).",
    );
  });

  it("failures, lost answers and throttles together, ended by the deadline, which excludes rate-limit waits", () => {
    const e = Object.assign(
      new ApiConnectionError("PUT /v1/async/collections/c1 failed without a response (ECONNRESET: x)"),
      {
        deadlineMs: 1000,
        deadlineFrom: "client" as const,
        history: history({
          attempts: 6,
          throttled: { "429": 2 },
          failed: { "502": 1 },
          noAnswer: { network: 2, timeout: 1 },
          throttledForMs: 2_000,
          rateLimitWaitMs: 2_000,
          elapsedMs: 3_100,
          stop: "deadlineMs",
        }),
      },
    );
    const settings = resolveSettings(
      cfg({ "scrapingpros:apiKey": "k", "scrapingpros:deadlineMs": "1000" }),
      {},
    );
    assert.equal(
      update(e, settings),
      "PUT /v1/async/collections/c1 gave up after 6 attempts in 3.1 s: the API throttled it 2 times (429 ×2) for " +
        "2 s, failed once (502 ×1) and gave no answer 3 times (timed out ×1, connection failed ×2). The call's " +
        "deadline ran out: 1000 ms (stack config scrapingpros:deadlineMs), not counting 2 s of waits for the API's " +
        "rate limit. The last answer: failed without a response (ECONNRESET: x). Check that " +
        `${PROD} is up; if it is only slow, raise scrapingpros:deadlineMs and scrapingpros:timeoutMs (or the ` +
        "resource's customTimeouts).",
    );
  });

  it("customTimeouts ended the call: the operation's budget, waits included", () => {
    const e = apiError(503, "injected fault", {
      deadlineMs: 1_700,
      deadlineFrom: "call",
      history: history({
        attempts: 2,
        throttled: { "503": 2 },
        throttledForMs: 1_000,
        rateLimitWaitMs: 1_000,
        elapsedMs: 1_200,
        stop: "call-deadline",
      }),
    });
    assert.equal(
      update(e, defaults, 2000),
      "PUT /v1/async/collections/c1 gave up after 2 attempts in 1.2 s: the API throttled it 2 times (503 with " +
        "Retry-After ×2) for 1 s. The resource's customTimeouts ran out: 2000 ms for the whole operation, waits for " +
        "the API's rate limit included. The last answer: failed with 503: injected fault. The API asked to come " +
        "back later: raise the resource's customTimeouts, or run `pulumi up` again later.",
    );
  });

  it("a call that never got its turn says it sent nothing", () => {
    const e = Object.assign(
      new ApiTimeoutError(
        "PUT /v1/async/collections/c1 waited past its budget for the API's rate limit before it could be sent",
      ),
      {
        attempts: 0,
        history: history({
          attempts: 0,
          rateLimitWaitMs: 601_000,
          elapsedMs: 601_000,
          stop: "maxThrottleWaitMs",
        }),
      },
    );
    assert.match(
      update(e),
      /^PUT \/v1\/async\/collections\/c1 sent nothing in 10 min 1 s: it waited its turn under the API's rate limit\. Waits for the API's rate limit may take at most 600000 ms/,
    );
  });

  it("lost answers only keep the short messages (timeouts; connection refused)", () => {
    const timeout = Object.assign(
      new ApiTimeoutError("PUT /v1/async/collections/c1 timed out after 300 ms"),
      {
        attempts: 4,
        deadlineMs: 1000,
        deadlineFrom: "client" as const,
        history: history({ attempts: 4, noAnswer: { network: 0, timeout: 4 }, stop: "deadlineMs" }),
      },
    );
    assert.match(
      update(timeout),
      /^PUT \/v1\/async\/collections\/c1: timed out, no answer from the API after 4 attempts/,
    );
    const refused = Object.assign(
      new ApiConnectionError("GET /v1/x failed without a response (ECONNREFUSED)"),
      {
        attempts: 5,
        history: history({ attempts: 5, noAnswer: { network: 5, timeout: 0 }, stop: "maxRetries" }),
      },
    );
    assert.match(update(refused), /^could not reach the ScrapingPros API at .* after 5 attempts: /);
  });

  it("one refused request keeps its one-line message", () => {
    const e = apiError(429, "slow down", { attempts: 1, history: history({ throttled: { "429": 1 } }) });
    assert.equal(update(e), "PUT /v1/async/collections/c1 failed with 429: slow down");
  });

  it("durations read as ms, s, or min and s", () => {
    assert.deepEqual([0, 999, 1000, 2_540, 59_960, 60_000, 250_400].map(formatDuration), [
      "0 ms",
      "999 ms",
      "1 s",
      "2.5 s",
      "1 min 0 s",
      "1 min 0 s",
      "4 min 10 s",
    ]);
  });

  it("the API key is redacted from every message, also from errors this package does not know", () => {
    const key = "sp-msg-" + "KEY-1234567890";
    const settings = resolveSettings(cfg({ "scrapingpros:apiKey": key }), {});
    const escaped = [...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    const e = Object.assign(
      new InternalServerError({
        status: 500,
        detail: `echo ${escaped} and ${key.slice(3, 14)}`,
        headers: {},
        method: "GET",
        path: "/v1/x",
        retryable: true,
      }),
      { attempts: 1 },
    );
    const m = messageOf(userErrorFor(e, { op: "read", settings, baseUrl: PROD }));
    assert.ok(!m.includes(key.slice(3, 11)), m);
    assert.match(m, /echo \[REDACTED\] and \[REDACTED\]/);
    const bug = new TypeError(`cannot read ${key} of undefined`);
    const same = userErrorFor(bug, { op: "read", settings, baseUrl: PROD });
    assert.equal(same, bug, "an unknown error is returned as it is");
    assert.equal(bug.message, "cannot read [REDACTED] of undefined");
    assert.ok(!bug.stack?.includes(key));
  });
});
