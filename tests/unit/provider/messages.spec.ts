import * as assert from "node:assert/strict";
import {
  ApiConnectionError,
  ApiTimeoutError,
  AuthenticationError,
  InternalServerError,
} from "../../../provider/client/errors";
import { resolveSettings } from "../../../provider/config";
import { engineAddressFromArgv } from "../../../provider/engine-log";
import { describeRecovery, REFRESH_HINT, userErrorFor } from "../../../provider/messages";
import { isUserFacing, UserFacingError } from "../../../provider/user-error";

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
