/**
 * What the provider tells the user about one operation on one resource: retries as details on
 * demand (`debug`, shown by `pulumi up --debug`), one line per resource and outcome, and errors that
 * say what happened, to which setting, and what to do.
 *
 * Each provider operation runs in an {@link OperationScope} (Node's `AsyncLocalStorage`), so the
 * client's retry events, which know only the HTTP call, are counted against the resource whose
 * operation made them, and attached to it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { RetryEvent } from "./client/client";
import {
  ApiConnectionError,
  ApiTimeoutError,
  AuthenticationError,
  PermissionDeniedError,
  ScrapingProsError,
} from "./client/errors";
import { DEFAULT_RETRY } from "./client/retry-policy";
import { CONFIG_KEYS, type ProviderSettings, type SettingName } from "./config";
import { NO_SECRETS, type Redactor } from "./secrets";
import { isUserFacing, UserFacingError } from "./user-error";

/** The provider operation a message or error belongs to. */
export type Operation = "check" | "diff" | "create" | "read" | "update" | "delete";

/** One operation on one resource, while it runs. */
export interface OperationScope {
  op: Operation;
  /** The resource's URN, when the provider knows it (the SDK passes it as `__urn`). */
  urn: string | undefined;
  /** Retries the client made during this operation. */
  retries: RetryEvent[];
  /** Hides the resource's secret input values in every message of the operation. @default nothing hidden */
  redactor?: Redactor;
}

const scopes = new AsyncLocalStorage<OperationScope>();

/** The operation running in this async context, if any. */
export function currentScope(): OperationScope | undefined {
  return scopes.getStore();
}

/**
 * Runs `fn` as `op` on the resource `urn`; retries made inside it are recorded in the scope, and
 * `redactor` hides the resource's secret values in what the operation says.
 */
export function inScope<T>(
  op: Operation,
  urn: string | undefined,
  fn: (scope: OperationScope) => Promise<T>,
  redactor: Redactor = NO_SECRETS,
): Promise<T> {
  const scope: OperationScope = { op, urn, retries: [], redactor };
  return scopes.run(scope, () => fn(scope));
}

/** `message` with the secret values of the running operation's resource hidden. */
export function redactMessage(message: string): string {
  return (currentScope()?.redactor ?? NO_SECRETS).redact(message);
}

/**
 * `e` with the secret values of `redactor` hidden in its message, stack and reasons (the host
 * prints `${e}: ${e.stack}`, or the message and the reasons of a resource-initialization error).
 * The same error object, so its class and fields are kept.
 */
export function redactError<E>(e: E, redactor: Redactor): E {
  if (redactor.empty || !(e instanceof Error)) return e;
  const error: Error = e;
  const message = redactor.redact(error.message);
  const stack = error.stack === undefined ? undefined : redactor.redact(error.stack);
  try {
    error.message = message;
    error.stack = isUserFacing(error) ? message : stack;
    const reasons = (error as { reasons?: unknown }).reasons;
    if (Array.isArray(reasons)) {
      Object.defineProperty(error, "reasons", {
        value: reasons.map((r) => (typeof r === "string" ? redactor.redact(r) : r)),
        configurable: true,
        enumerable: true,
      });
    }
  } catch {
    // a frozen error: replace it by one with the same story, without the secret
    return new UserFacingError(message) as unknown as E;
  }
  return e;
}

/** The detail line of one retry (a `debug` message). */
export function describeRetry(e: RetryEvent): string {
  return `${e.method} ${e.path}: attempt ${e.attempt + 1} failed (${e.reason}), ${e.throttled ? "throttled, " : ""}retrying in ${e.delayMs} ms`;
}

/**
 * The one line for an operation that succeeded after retries, e.g.
 * `update succeeded after 4 attempts (retried after 503 ×3); run with --debug to see each retry`.
 */
export function describeRecovery(scope: OperationScope): string | undefined {
  if (scope.retries.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const r of scope.retries) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  const reasons = [...counts].map(([reason, n]) => (n > 1 ? `${reason} ×${n}` : reason)).join(", ");
  return (
    `${scope.op} succeeded after ${scope.retries.length + 1} attempts (retried after ${reasons}); ` +
    "run with --debug to see each retry"
  );
}

/** The pointer added to connection and key errors during a refresh. */
export const REFRESH_HINT =
  "`pulumi refresh` uses the provider settings saved in the state by the last `pulumi up`, not the current " +
  "stack config or environment: after changing scrapingpros:apiKey or scrapingpros:baseUrl, run " +
  '`pulumi refresh --run-program` (or `pulumi up`) instead; see "Changing settings" in the README';

/** A setting's value with where it came from: `1000 (stack config scrapingpros:deadlineMs)`. */
function settingIs(settings: ProviderSettings | undefined, name: SettingName, value: unknown): string {
  const source = settings?.sources[name];
  return source ? `${value} (${source})` : `${value} (the default; ${CONFIG_KEYS[name][0]} is not set)`;
}

/** Context for {@link userErrorFor}. */
export interface ErrorContext {
  op: Operation;
  /** The settings in force, when known. */
  settings: ProviderSettings | undefined;
  /** The base URL the client used. */
  baseUrl: string | undefined;
  /**
   * The operation's whole budget from the resource's `customTimeouts`, in ms, when set. A call's
   * own deadline is what remained of it when the call began, so a timeout names this instead.
   */
  customTimeoutMs?: number | undefined;
}

/**
 * The error a user sees for a failed API call: what happened, the settings involved and where they
 * came from, and what to do; with no internal stack. Errors this package does not know are
 * returned unchanged (their stack is useful).
 */
export function userErrorFor(e: unknown, ctx: ErrorContext): unknown {
  if (!(e instanceof ScrapingProsError)) return e;
  const { settings } = ctx;
  const refresh = ctx.op === "read" ? ` ${REFRESH_HINT}` : "";
  const attempts =
    e.attempts !== undefined ? `${e.attempts} attempt${e.attempts === 1 ? "" : "s"}` : undefined;
  let message: string;
  if (e instanceof AuthenticationError || e instanceof PermissionDeniedError) {
    const source = settings?.sources.apiKey ?? "stack config scrapingpros:apiKey";
    const fix = source.startsWith("environment")
      ? "set SCRAPINGPROS_API_KEY to a valid key (a scrapingpros:apiKey in the stack config would win over it)"
      : "set a valid key with `pulumi config set --secret scrapingpros:apiKey <key>`";
    message =
      `the ScrapingPros API refused the API key from ${source} (${e.status}: ${describe(e)}) at ${ctx.baseUrl ?? "the API"}; ` +
      `${fix}.${refresh}`;
  } else if (e instanceof ApiTimeoutError) {
    const retry = { ...DEFAULT_RETRY, ...settings?.clientOptions };
    const deadline =
      e.deadlineFrom === "call"
        ? `${ctx.customTimeoutMs ?? e.deadlineMs} ms, from the resource's customTimeouts`
        : `${settingIs(settings, "deadlineMs", `${e.deadlineMs ?? retry.deadlineMs} ms`)}`;
    message =
      `${e.message.replace(/ (timed out after \d+ ms|waited past its deadline.*)$/, "")}: timed out, no answer from the API ` +
      `after ${attempts ?? "several attempts"} within the call's deadline of ${deadline}; ` +
      `each attempt may take ${settingIs(settings, "timeoutMs", `${retry.timeoutMs} ms`)}, ` +
      `retries: at most ${settingIs(settings, "maxRetries", retry.maxRetries)}. ` +
      `Check that ${ctx.baseUrl ?? "the API"} is up; if it is only slow, raise scrapingpros:deadlineMs and ` +
      `scrapingpros:timeoutMs (or the resource's customTimeouts).${refresh}`;
  } else if (e instanceof ApiConnectionError) {
    message =
      `could not reach the ScrapingPros API at ${settingIs(settings, "baseUrl", ctx.baseUrl ?? "?")}` +
      `${attempts ? ` after ${attempts}` : ""}: ${e.message}. Check scrapingpros:baseUrl (or SCRAPINGPROS_BASE_URL) and the network.${refresh}`;
  } else {
    message = `${e.message}${attempts && e.attempts !== 1 ? ` (after ${attempts})` : ""}`;
  }
  return Object.assign(new UserFacingError(message, { cause: e }), { code: e.code });
}

function describe(e: AuthenticationError | PermissionDeniedError): string {
  return typeof e.detail === "string" ? e.detail : "no detail";
}
