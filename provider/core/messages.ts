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
import type { RetryEvent } from "../client/client";
import {
  ApiConnectionError,
  ApiError,
  ApiTimeoutError,
  AuthenticationError,
  type CallHistory,
  PermissionDeniedError,
  ScrapingProsError,
} from "../client/errors";
import { createRedactor, type Redactor } from "../client/redact";
import { DEFAULT_RETRY, type RetryOptions } from "../client/retry-policy";
import { type ProviderSettings, type SettingName, STACK_CONFIG, settingName, settingSource } from "./config";
import { NO_SECRETS, type SecretRedactor } from "./secrets";
import { isUserFacing, UserFacingError } from "./user-error";

/** What the provider is doing: an operation on one resource, or a lookup (a function call of the native provider). */
export type Operation = "check" | "diff" | "create" | "read" | "update" | "delete" | "lookup";

/** One operation on one resource, while it runs. */
export interface OperationScope {
  op: Operation;
  /** The resource's URN, when the provider knows it (the SDK passes it as `__urn`). */
  urn: string | undefined;
  /** Retries the client made during this operation. */
  retries: RetryEvent[];
  /** Hides the resource's secret input values in every message of the operation. @default nothing hidden */
  redactor?: SecretRedactor;
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
  redactor: SecretRedactor = NO_SECRETS,
): Promise<T> {
  const scope: OperationScope = { op, urn, retries: [], redactor };
  return scopes.run(scope, () => fn(scope));
}

/**
 * Runs `fn` outside of any operation: a call shared by several resources (a list call of the
 * snapshots) has its retries counted against none of them.
 */
export function outsideScope<T>(fn: () => Promise<T>): Promise<T> {
  return scopes.exit(fn);
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
export function redactError<E>(e: E, redactor: SecretRedactor): E {
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
  return source
    ? `${value} (${source})`
    : `${value} (the default; ${settingName(settings?.origin ?? STACK_CONFIG, name)} is not set)`;
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
 * came from, and what to do; with no internal stack. A call that gave up after several attempts
 * says what the API answered (throttled, failed with 5xx, no answer; how often, for how long) and
 * which setting ended it ({@link describeGaveUp}). The API key is redacted from the message (any
 * run of 8 of its characters, in any encoding: `client/redact.ts`). Errors this package does not
 * know are returned as they are (their stack is useful), redacted in place.
 */
export function userErrorFor(e: unknown, ctx: ErrorContext): unknown {
  const redactor = createRedactor([ctx.settings?.apiKey]);
  if (!(e instanceof ScrapingProsError)) return redactInPlace(e, redactor);
  const { settings } = ctx;
  const origin = settings?.origin ?? STACK_CONFIG;
  const refresh = ctx.op === "read" ? ` ${REFRESH_HINT}` : "";
  const attempts =
    e.attempts !== undefined ? `${e.attempts} attempt${e.attempts === 1 ? "" : "s"}` : undefined;
  const gaveUp = e.history && showsHistory(e.history) ? describeGaveUp(e, e.history, ctx) : undefined;
  let message: string;
  if (e instanceof AuthenticationError || e instanceof PermissionDeniedError) {
    const source = settings?.sources.apiKey ?? settingSource(origin, "apiKey");
    const fix =
      origin.kind === "provider"
        ? source.startsWith("environment")
          ? `set SCRAPINGPROS_API_KEY to a valid key (${settingName(origin, "apiKey")} would win over it)`
          : `give ${settingName(origin, "apiKey")} a valid key`
        : source.startsWith("environment")
          ? "set SCRAPINGPROS_API_KEY to a valid key (a scrapingpros:apiKey in the stack config would win over it)"
          : "set a valid key with `pulumi config set --secret scrapingpros:apiKey <key>`";
    message =
      `the ScrapingPros API refused the API key from ${source} (${e.status}: ${describe(e)}) at ${ctx.baseUrl ?? "the API"}; ` +
      `${fix}.${refresh}`;
  } else if (gaveUp !== undefined) {
    // The API answered (throttled, failed): the settings saved in the state are not in question.
    message = gaveUp;
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
      `Check that ${ctx.baseUrl ?? "the API"} is up; if it is only slow, raise ${settingName(origin, "deadlineMs")} and ` +
      `${settingName(origin, "timeoutMs")} (or the resource's customTimeouts).${refresh}`;
  } else if (e instanceof ApiConnectionError) {
    message =
      `could not reach the ScrapingPros API at ${settingIs(settings, "baseUrl", ctx.baseUrl ?? "?")}` +
      `${attempts ? ` after ${attempts}` : ""}: ${e.message}. Check ${settingName(origin, "baseUrl")} (or SCRAPINGPROS_BASE_URL) and the network.${refresh}`;
  } else {
    message = `${e.message}${attempts && e.attempts !== 1 ? ` (after ${attempts})` : ""}`;
  }
  return Object.assign(new UserFacingError(redactor(message), { cause: e }), { code: e.code });
}

/**
 * Whether a failed call's story is worth telling: the API throttled it or failed with 5xx, or a
 * budget (not the answer itself) ended it. A lone refused request, or lost answers only, keep
 * their shorter messages.
 */
function showsHistory(h: CallHistory): boolean {
  if (h.stop === "maxThrottleWaitMs") return true;
  if (sum(h.throttled) === 0 && sum(h.failed) === 0) return false;
  return h.attempts > 1 || h.stop !== "not-retryable";
}

/**
 * The message of a call that gave up: what the API answered, how often and for how long, what
 * ended the call (the setting, its value and where it came from) and what to do. For example:
 *
 * `PUT /v1/async/collections/c1 gave up after 121 attempts in 10 min 2 s: the API throttled it 121
 * times (503 with Retry-After ×121) for 10 min 1 s. Waits for the API's rate limit may take at most
 * 600000 ms (the default; scrapingpros:maxThrottleWaitMs is not set) in all; it had waited 10 min 0 s
 * when it stopped. The last answer: failed with 503: injected fault. The API asked every time to
 * come back later (a maintenance, or its rate limit): run `pulumi up` again later, or raise
 * scrapingpros:maxThrottleWaitMs (or the resource's customTimeouts).`
 */
export function describeGaveUp(e: ScrapingProsError, h: CallHistory, ctx: ErrorContext): string {
  const { settings } = ctx;
  const name = (setting: SettingName) => settingName(settings?.origin ?? STACK_CONFIG, setting);
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...settings?.clientOptions };
  const where =
    e instanceof ApiError ? `${e.method} ${e.path}` : (/^\S+ \S+/.exec(e.message)?.[0] ?? "the call");
  const last = e.message.startsWith(`${where} `) ? e.message.slice(where.length + 1) : e.message;
  const throttled = sum(h.throttled);
  const parts: string[] = [];
  if (throttled > 0) {
    const statuses = counts(h.throttled, (s) => (s === "503" ? "503 with Retry-After" : s));
    parts.push(`throttled it ${times(throttled)} (${statuses}) for ${formatDuration(h.throttledForMs)}`);
  }
  if (sum(h.failed) > 0) parts.push(`failed ${times(sum(h.failed))} (${counts(h.failed)})`);
  const noAnswer = h.noAnswer.network + h.noAnswer.timeout;
  if (noAnswer > 0) {
    const kinds = counts({ "timed out": h.noAnswer.timeout, "connection failed": h.noAnswer.network });
    parts.push(`gave no answer ${times(noAnswer)} (${kinds})`);
  }
  const what =
    h.attempts === 0
      ? `${where} sent nothing in ${formatDuration(h.elapsedMs)}: it waited its turn under the API's rate limit`
      : `${where} gave up after ${h.attempts} attempt${h.attempts === 1 ? "" : "s"} in ${formatDuration(h.elapsedMs)}: ` +
        `the API ${parts.length > 0 ? joinParts(parts) : "answered"}`;
  const waited = formatDuration(h.rateLimitWaitMs);
  const customTimeout = `${ctx.customTimeoutMs ?? e.deadlineMs} ms`;
  let bound: string;
  let advice: string;
  switch (h.stop) {
    case "maxThrottleWaitMs":
      bound =
        `Waits for the API's rate limit may take at most ${settingIs(settings, "maxThrottleWaitMs", `${retry.maxThrottleWaitMs} ms`)} ` +
        `in all; it had waited ${waited} when it stopped`;
      advice =
        "The API asked every time to come back later (a maintenance, or its rate limit): run `pulumi up` again " +
        `later, or raise ${name("maxThrottleWaitMs")} (or the resource's customTimeouts).`;
      break;
    case "call-deadline":
      bound = `The resource's customTimeouts ran out: ${customTimeout} for the whole operation, waits for the API's rate limit included`;
      advice =
        throttled > 0
          ? "The API asked to come back later: raise the resource's customTimeouts, or run `pulumi up` again later."
          : `Check that ${ctx.baseUrl ?? "the API"} is up; if it is only slow, raise the resource's customTimeouts.`;
      break;
    case "deadlineMs":
      bound =
        `The call's deadline ran out: ${settingIs(settings, "deadlineMs", `${e.deadlineMs ?? retry.deadlineMs} ms`)}` +
        `${h.rateLimitWaitMs > 0 ? `, not counting ${waited} of waits for the API's rate limit` : ""}`;
      advice = `Check that ${ctx.baseUrl ?? "the API"} is up; if it is only slow, raise ${name("deadlineMs")} and ${name("timeoutMs")} (or the resource's customTimeouts).`;
      break;
    case "maxRetries":
      bound = `Retries after failures: at most ${settingIs(settings, "maxRetries", retry.maxRetries)} (throttled attempts are not counted)`;
      advice = `Check that ${ctx.baseUrl ?? "the API"} is up; raise ${name("maxRetries")} to retry more.`;
      break;
    default:
      bound = "The last answer is not one to retry";
      advice = "";
  }
  return `${what}. ${bound}. The last answer: ${last}.${advice ? ` ${advice}` : ""}`;
}

/** `250 ms`, `2.5 s`, `4 min 10 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${tenths / 10} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

const sum = (by: Record<string, number>): number => Object.values(by).reduce((a, b) => a + b, 0);
const times = (n: number): string => (n === 1 ? "once" : `${n} times`);
const counts = (by: Record<string, number>, label: (key: string) => string = (k) => k): string =>
  Object.entries(by)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${label(k)} ×${n}`)
    .join(", ");
const joinParts = (parts: string[]): string =>
  parts.length < 2 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;

/** An error this package does not know, with the key redacted from its message and stack (kept otherwise). */
function redactInPlace(e: unknown, redactor: Redactor): unknown {
  if (!(e instanceof Error)) return e;
  const message = redactor(e.message);
  if (message !== e.message) e.message = message;
  if (e.stack !== undefined) {
    const stack = redactor(e.stack);
    if (stack !== e.stack) e.stack = stack;
  }
  return e;
}

function describe(e: AuthenticationError | PermissionDeniedError): string {
  return typeof e.detail === "string" ? e.detail : "no detail";
}
