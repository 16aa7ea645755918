/**
 * The typed ScrapingPros API client, on undici.
 *
 * One request loop (`request`) does auth, timeouts, retries and error mapping; the resource
 * namespaces (`collections`, `runs`, `jobs`) are thin: a path and a schema each.
 */
import { Agent, type Dispatcher, request as undiciRequest } from "undici";
import { PACKAGE_VERSION } from "../core/version";
import {
  ApiConnectionError,
  type ApiError,
  ApiTimeoutError,
  type CallHistory,
  type CallStop,
  errorFromResponse,
  parseDetail,
  ResponseTooLargeError,
  ResponseValidationError,
  ScrapingProsError,
} from "./errors";
import { isThrottle, pauseExponent, type RateLimitState, throttlePause } from "./rate-limit-policy";
import {
  FIRST_ATTEMPT_PRIORITY,
  type LimitClock,
  type RateLimits,
  RETRY_PRIORITY,
  rateLimitsFor,
} from "./rate-limits";
import { createRedactor, type Redactor, redactError, redactValue } from "./redact";
import type { ApiResponse, Requester, RequestOptions } from "./requester";
import { CollectionsResource } from "./resources/collections";
import { JobsResource } from "./resources/jobs";
import { RunsResource } from "./resources/runs";
import {
  type AttemptFailure,
  DEFAULT_RETRY,
  isRetryableStatus,
  type RetryMode,
  type RetryOptions,
  retryDelayMs,
  shouldRetry,
} from "./retry-policy";
import type { Schema } from "./schema";
import { Health } from "./schemas";

export type { ApiResponse, Requester, RequestOptions } from "./requester";

/** The production API host. Paths already carry `/v1`. */
export const DEFAULT_BASE_URL = "https://api.scrapingpros.com";

/**
 * The default of {@link ClientOptions.maxResponseBytes}: 32 MiB. The largest answers are lists the
 * API does not page: the collections list is a bare array of every collection of the account (API
 * notes 2.2 and 6), about 200 bytes each, so some 150,000 collections; a run's jobs list, about
 * 100,000 jobs; a job's result, a scraped page of several megabytes.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * How much of an error answer's body (non-2xx) is read: far more than any `detail` a message shows;
 * the rest is not read, and the connection is closed. @unit bytes
 */
export const ERROR_BODY_BYTES = 64 * 1024;

/**
 * The deepest nesting of arrays and objects accepted in a 2xx body. The API's documented shapes nest
 * less than 10 deep; a body nested 100,000 deep parses, but would crash whatever walks it
 * recursively later (`JSON.stringify` of the outputs).
 */
export const MAX_JSON_DEPTH = 256;

/** Options of {@link ScrapingProsClient}. Everything but `apiKey` has a default. */
export interface ClientOptions extends Partial<RetryOptions> {
  /** Sent as `Authorization: Bearer <apiKey>`. Never logged, never put in an error. */
  apiKey: string;
  /**
   * API host, with or without a trailing `/v1` (it is added exactly once).
   * @default "https://api.scrapingpros.com"
   */
  baseUrl?: string;
  /**
   * An undici dispatcher, e.g. a `MockAgent` in tests. Redirects are never followed, even by a
   * dispatcher composed with undici's redirect interceptor (each request says `maxRedirections: 0`).
   * @default a keep-alive `Agent` owned by the client
   */
  dispatcher?: Dispatcher;
  /**
   * The largest 2xx body the client reads; a larger one fails the call with `ResponseTooLargeError`
   * as soon as its `Content-Length`, or the bytes read so far, exceed it (the connection is closed, the
   * rest is never read). Error bodies are read up to {@link ERROR_BODY_BYTES} only.
   * @default 33554432 (32 MiB, {@link DEFAULT_MAX_RESPONSE_BYTES}) @unit bytes
   */
  maxResponseBytes?: number;
  /** Extra text appended to the User-Agent. */
  userAgentSuffix?: string;
  /** Receives an event before each retry. Events carry no headers and no bodies. */
  onRetry?: (event: RetryEvent) => void;
  /**
   * The rate limits this client obeys and reports to. @default the limits shared by every client of
   * the process with the same origin and API key ({@link rateLimitsFor})
   */
  rateLimits?: RateLimits;
  /** Injected for deterministic tests. @default timers-based sleep */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for deterministic tests. @default Math.random */
  random?: () => number;
  /** Injected for deterministic tests. @default Date.now */
  now?: () => number;
}

/** What the client tells `onRetry` before it waits and tries again. */
export interface RetryEvent {
  /** HTTP method of the call, e.g. `GET`. */
  method: string;
  /** Path of the call, without query string or host. */
  path: string;
  /** The attempt that failed, 0-based (throttled attempts included). */
  attempt: number;
  /** Status code (`429`, `503`, ...), or `network` / `timeout`. */
  reason: string;
  /**
   * True when the API throttled (a 429, or a 503 with `Retry-After`): every call of the process
   * pauses for `delayMs`, and the retry counts against `maxThrottleWaitMs`, not `maxRetries`.
   */
  throttled: boolean;
  /** How long the client waits before the next attempt. @unit milliseconds */
  delayMs: number;
}

const sleepTimer = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Client for the ScrapingPros asynchronous API.
 * @example
 * const client = new ScrapingProsClient({ apiKey: process.env.SCRAPINGPROS_API_KEY! });
 * const { data } = await client.collections.create(
 *   { name: "daily", requests: [{ url: "https://example.com" }] },
 *   { idempotencyKey: crypto.randomUUID() },
 * );
 */
export class ScrapingProsClient implements Requester {
  /** Collections: create, list, get, update. */
  readonly collections: CollectionsResource;
  /** Runs of a collection: start, list, get. */
  readonly runs: RunsResource;
  /** Jobs of a run: list, result. */
  readonly jobs: JobsResource;
  /** The normalized API origin (no trailing `/v1`). */
  readonly baseUrl: string;

  readonly #apiKey: string;
  readonly #redact: Redactor;
  readonly #maxResponseBytes: number;
  readonly #retry: RetryOptions;
  readonly #userAgent: string;
  readonly #options: ClientOptions;
  readonly #limits: RateLimits;
  #dispatcher: Dispatcher | undefined;
  #ownsDispatcher = false;

  constructor(options: ClientOptions) {
    if (!options.apiKey) throw new TypeError("ScrapingProsClient: apiKey is required");
    this.#options = options;
    this.#apiKey = options.apiKey;
    this.#redact = createRedactor([options.apiKey]);
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
    this.#retry = {
      maxRetries: options.maxRetries ?? DEFAULT_RETRY.maxRetries,
      initialDelayMs: options.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
      timeoutMs: options.timeoutMs ?? DEFAULT_RETRY.timeoutMs,
      deadlineMs: options.deadlineMs ?? DEFAULT_RETRY.deadlineMs,
      maxThrottleWaitMs: options.maxThrottleWaitMs ?? DEFAULT_RETRY.maxThrottleWaitMs,
    };
    this.#userAgent =
      `pulumi-scrapingpros/${PACKAGE_VERSION} node/${process.versions.node}` +
      (options.userAgentSuffix ? ` ${options.userAgentSuffix}` : "");
    this.#dispatcher = options.dispatcher;
    this.#limits = options.rateLimits ?? rateLimitsFor(this.baseUrl, this.#apiKey);
    this.collections = new CollectionsResource(this);
    this.runs = new RunsResource(this);
    this.jobs = new JobsResource(this);
  }

  /** The retry settings in force, defaults filled in. */
  get retryOptions(): Readonly<RetryOptions> {
    return this.#retry;
  }

  /** The rate limits this client shares with the process's other clients of the same API account. */
  get rateLimits(): RateLimits {
    return this.#limits;
  }

  /** `GET /v1/health` (no authentication needed). */
  async health(): Promise<ApiResponse<Health>> {
    return this.request("GET", "/v1/health", Health);
  }

  /** Closes the connection pool the client created (not an injected dispatcher). */
  async close(): Promise<void> {
    if (this.#ownsDispatcher && this.#dispatcher) await this.#dispatcher.close();
    this.#dispatcher = undefined;
    this.#ownsDispatcher = false;
  }

  /**
   * Sends one logical request: attempts, retries with backoff, maps errors, validates the body.
   * Exposed for the resource namespaces; prefer them.
   *
   * A call ends, with the last answer's error carrying {@link CallHistory} (`history`), when the
   * answer is not one to retry, when failures (5xx, 408, lost answers) have used `maxRetries`, when
   * its own time (attempts and waits after failures) passes `deadlineMs`, or when its waits for the
   * API's rate limit pass `maxThrottleWaitMs`; a per-call `deadlineMs` replaces the last two and
   * bounds everything.
   */
  async request<T>(
    method: "GET" | "POST" | "PUT",
    path: string,
    schema: Schema<T>,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const now = this.#options.now ?? Date.now;
    const call: CallRecord = {
      startedAt: now(),
      attempts: 0,
      throttled: {},
      failed: {},
      noAnswer: { network: 0, timeout: 0 },
      firstThrottleAt: undefined,
      rateLimitWaitMs: 0,
      stop: "not-retryable",
    };
    try {
      return await this.#request(method, path, schema, options, call);
    } catch (e) {
      // What the user needs to judge a failure: what the API answered, and what bounded the retries.
      if (e instanceof ScrapingProsError) {
        const at = now();
        e.attempts = call.attempts;
        e.deadlineMs = options.deadlineMs ?? this.#retry.deadlineMs;
        e.deadlineFrom = options.deadlineMs !== undefined ? "call" : "client";
        e.history = {
          attempts: call.attempts,
          throttled: call.throttled,
          failed: call.failed,
          noAnswer: call.noAnswer,
          throttledForMs: call.firstThrottleAt === undefined ? 0 : at - call.firstThrottleAt,
          rateLimitWaitMs: call.rateLimitWaitMs,
          elapsedMs: at - call.startedAt,
          stop: call.stop,
        };
      }
      throw e;
    }
  }

  async #request<T>(
    method: "GET" | "POST" | "PUT",
    path: string,
    schema: Schema<T>,
    options: RequestOptions,
    call: CallRecord,
  ): Promise<ApiResponse<T>> {
    const now = this.#options.now ?? Date.now;
    const sleep = this.#options.sleep ?? sleepTimer;
    const random = this.#options.random ?? Math.random;
    const mode: RetryMode =
      options.retry ?? (method !== "POST" ? "safe" : options.idempotencyKey ? "keyed" : "never");
    // With a per-call deadline (customTimeouts) everything counts against it; without, waits for the
    // API's rate limit extend the client's deadline, up to their own budget.
    const hardEnd = options.deadlineMs !== undefined ? call.startedAt + options.deadlineMs : undefined;
    const endOfWork = (): number => hardEnd ?? call.startedAt + this.#retry.deadlineMs + call.rateLimitWaitMs;
    const timeBound: CallStop = hardEnd !== undefined ? "call-deadline" : "deadlineMs";
    const url = this.baseUrl + path + queryString(options.query);
    const what = `${method} ${path}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#apiKey}`,
      accept: "application/json",
      "user-agent": this.#userAgent,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;

    const clock: LimitClock = { now, sleep };
    // Only failures (5xx, lost answers) spend `maxRetries`; throttles spend `maxThrottleWaitMs`.
    let crashRetries = 0;
    let lastError: Error | undefined;
    // The errors the call ends with (thrown from inside the limiter too), as opposed to an attempt's failure.
    const final = new WeakSet<Error>();
    const giveUp = (stop: CallStop, error: Error | undefined): Error => {
      call.stop = stop;
      const e =
        error ??
        new ApiTimeoutError(
          stop === "maxThrottleWaitMs"
            ? `${what} waited past its budget for the API's rate limit before it could be sent`
            : `${what} waited past its deadline for the API's rate limit`,
        );
      final.add(e);
      return e;
    };
    for (let attempt = 0; ; attempt++) {
      let failure: AttemptFailure;
      let error: Error;
      let throttle: RateLimitState | undefined;
      const queuedAt = now();
      try {
        // A pause ending after this would overrun the budget: the call gives up instead of waiting.
        const latestStart = hardEnd ?? queuedAt + this.#retry.maxThrottleWaitMs - call.rateLimitWaitMs;
        const res = await this.#limits.run(
          async (started, pausedUntil) => {
            call.rateLimitWaitMs += Math.max(0, started - queuedAt);
            // The call waited its turn past its budget, or would wait for a pause past it: nothing is sent.
            if (pausedUntil !== undefined)
              throw giveUp(hardEnd !== undefined ? "call-deadline" : "maxThrottleWaitMs", lastError);
            if (hardEnd === undefined && call.rateLimitWaitMs > this.#retry.maxThrottleWaitMs) {
              throw giveUp("maxThrottleWaitMs", lastError);
            }
            const remaining = endOfWork() - started;
            if (remaining <= 0) throw giveUp(timeBound, lastError);
            call.attempts++;
            const answer = await this.#attempt(
              method,
              url,
              headers,
              body,
              Math.min(this.#retry.timeoutMs, remaining),
            );
            // Reported while this attempt still holds its slot: the next attempt to start sees a
            // throttle's pause (otherwise one more attempt slipped out after every throttled answer).
            throttle = this.#report(answer, started, clock, random());
            return answer;
          },
          clock,
          attempt === 0 ? FIRST_ATTEMPT_PRIORITY : RETRY_PRIORITY,
          latestStart,
        );
        if (res.status >= 200 && res.status < 300) {
          return {
            data: this.#parse(schema, res, what),
            status: res.status,
            replayed: (res.headers["idempotency-replayed"] ?? "").toLowerCase() === "true",
            requestId: res.headers["x-request-id"],
            attempts: attempt + 1,
          };
        }
        const apiError: ApiError = errorFromResponse(
          {
            status: res.status,
            // Redacted whole, before `parseDetail` cuts it: a cut key could not be recognised.
            detail: redactValue(parseDetail(this.#redact(new TextDecoder().decode(res.body))), this.#redact),
            headers: redactValue(res.headers, this.#redact),
            method,
            path,
            retryable: isRetryableStatus(res.status),
          },
          options.idempotencyKey !== undefined,
        );
        failure = { kind: "status", status: res.status, retryAfter: res.headers["retry-after"] };
        error = apiError;
      } catch (e) {
        if (e instanceof Error && final.has(e)) throw e;
        // Anything but a lost answer (a body too large or of the wrong shape, a bug) is not retried.
        if (!(e instanceof ApiConnectionError)) throw e;
        failure = e instanceof ApiTimeoutError ? { kind: "timeout" } : { kind: "network" };
        error = e;
      }
      lastError = error;
      const throttled = throttle !== undefined;
      record(call, failure, throttled, now());
      let delayMs: number;
      if (throttle !== undefined) {
        if (mode === "never") throw giveUp("not-retryable", error);
        delayMs = Math.max(0, throttle.pauseUntil - now());
        // A pause that would overrun the budget cannot lead to a useful attempt.
        if (hardEnd !== undefined) {
          if (now() + delayMs >= hardEnd) throw giveUp("call-deadline", error);
        } else if (call.rateLimitWaitMs + delayMs > this.#retry.maxThrottleWaitMs) {
          throw giveUp("maxThrottleWaitMs", error);
        }
      } else {
        if (!shouldRetry(mode, failure, 0, this.#retry)) throw giveUp("not-retryable", error);
        if (crashRetries >= this.#retry.maxRetries) throw giveUp("maxRetries", error);
        delayMs = retryDelayMs(failure, attempt, this.#retry, random(), now());
        if (now() + delayMs >= endOfWork()) throw giveUp(timeBound, error);
      }
      this.#options.onRetry?.({
        method,
        path,
        attempt,
        reason: failure.kind === "status" ? String(failure.status) : failure.kind,
        throttled,
        delayMs,
      });
      // A throttled call waits in the limiter, with every other call, for the pause to end.
      if (!throttled) {
        crashRetries++;
        await sleep(delayMs);
      }
    }
  }

  /**
   * Tells the shared limits what an answer says about the API's pace: accepted (2xx, 4xx other than
   * 429), throttled (a 429, or a 503 with `Retry-After`: the pause every call then waits), or nothing
   * (5xx). Returns the state after a throttle, undefined otherwise.
   */
  #report(answer: Answer, startedAt: number, clock: LimitClock, random: number): RateLimitState | undefined {
    const at = clock.now();
    const failure: AttemptFailure = {
      kind: "status",
      status: answer.status,
      retryAfter: answer.headers["retry-after"],
    };
    if (isThrottle(failure, at)) {
      const exponent = pauseExponent(this.#limits.state, startedAt);
      const pause = throttlePause(failure, exponent, this.#retry, random, at);
      return this.#limits.report(
        { kind: "throttled", at, startedAt, pauseMs: pause.delayMs, pauseFrom: pause.from },
        clock,
      );
    }
    if (answer.status < 500) this.#limits.report({ kind: "accepted", at, startedAt }, clock);
    return undefined;
  }

  async #attempt(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<Answer> {
    const where = `${method} ${new URL(url).pathname}`;
    // The one signal covers the whole attempt, the body included: a body that drips slowly times out too.
    const signal = AbortSignal.timeout(Math.max(1, timeoutMs));
    try {
      const options: Parameters<typeof undiciRequest>[1] & { maxRedirections: 0 } = {
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal,
        dispatcher: this.#getDispatcher(),
        // Read by undici's redirect interceptor, should the injected dispatcher have one: follow nothing.
        maxRedirections: 0,
      };
      const res = await undiciRequest(url, options);
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      // Counted here rather than with undici's `maxResponseSize`, an option of the Agent the client
      // builds, which an injected dispatcher (a MockAgent, the caller's own pool) would not have.
      const limit = ok ? this.#maxResponseBytes : ERROR_BODY_BYTES;
      const declared = Number(res.headers["content-length"]);
      if (ok && Number.isFinite(declared) && declared > limit) {
        res.body.destroy();
        throw new ResponseTooLargeError(where, limit, declared);
      }
      const read = await readCapped(res.body, limit);
      if (ok && !read.complete) throw new ResponseTooLargeError(where, limit);
      return { status: res.statusCode, headers: flattenHeaders(res.headers), body: read.bytes };
    } catch (e) {
      if (e instanceof ScrapingProsError) throw e;
      const cause = redactError(e, this.#redact);
      if (signal.aborted) {
        throw new ApiTimeoutError(`${where} timed out after ${timeoutMs} ms`, { cause });
      }
      const detail =
        e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
      throw new ApiConnectionError(`${where} failed without a response (${this.#redact(detail)})`, { cause });
    }
  }

  /**
   * A 2xx body, checked: a JSON content type (or none), UTF-8, nested at most {@link MAX_JSON_DEPTH}
   * deep, and of the endpoint's shape. Issues are redacted (zod may quote what it received).
   */
  #parse<T>(schema: Schema<T>, res: Answer, what: string): T {
    const fail = (issues: { path: string; message: string }[]): never => {
      throw new ResponseValidationError(
        what,
        issues.map((i) => ({ path: this.#redact(i.path), message: this.#redact(i.message) })),
      );
    };
    const type = res.headers["content-type"];
    if (type !== undefined && !/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type)) {
      fail([{ path: "", message: `content type is ${JSON.stringify(type.slice(0, 100))}, not JSON` }]);
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(res.body);
    } catch {
      return fail([{ path: "", message: "body is not valid UTF-8" }]);
    }
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      fail([{ path: "", message: `body nests deeper than ${MAX_JSON_DEPTH} levels` }]);
    }
    let json: unknown;
    try {
      json = text.length ? JSON.parse(text) : undefined;
    } catch {
      return fail([{ path: "", message: "body is not JSON" }]);
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      return fail(
        result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
      );
    }
    return result.data;
  }

  #getDispatcher(): Dispatcher {
    if (!this.#dispatcher) {
      this.#dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
      this.#ownsDispatcher = true;
    }
    return this.#dispatcher;
  }
}

/** `https://host/v1/` → `https://host`: paths carry `/v1` themselves, so it must not be doubled. */
export function normalizeBaseUrl(baseUrl: string): string {
  const parsed = new URL(baseUrl);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(`baseUrl must be http(s): ${baseUrl}`);
  }
  let p = parsed.pathname.replace(/\/+$/, "");
  if (p.endsWith("/v1")) p = p.slice(0, -3);
  return parsed.origin + p;
}

function queryString(query: Record<string, string | undefined> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : "";
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** One answer as read off the wire: the body is raw bytes, at most the limit that applied. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What a call met so far; becomes the error's {@link CallHistory}. */
interface CallRecord {
  startedAt: number;
  attempts: number;
  throttled: Record<string, number>;
  failed: Record<string, number>;
  noAnswer: { network: number; timeout: number };
  firstThrottleAt: number | undefined;
  rateLimitWaitMs: number;
  stop: CallStop;
}

function record(call: CallRecord, failure: AttemptFailure, throttled: boolean, at: number): void {
  if (failure.kind !== "status") {
    call.noAnswer[failure.kind]++;
    return;
  }
  const key = String(failure.status);
  if (throttled) {
    call.throttled[key] = (call.throttled[key] ?? 0) + 1;
    call.firstThrottleAt ??= at;
  } else if (isRetryableStatus(failure.status)) {
    call.failed[key] = (call.failed[key] ?? 0) + 1;
  }
}

/** Reads `body` up to `limit` bytes; past it, stops, destroys the stream (closing the connection). */
async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown },
  limit: number,
): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      body.destroy();
      return { bytes: Buffer.concat(chunks), complete: false };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { bytes: Buffer.concat(chunks), complete: true };
}

/** Whether the JSON text nests arrays and objects deeper than `max` (strings are skipped). */
function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
