/**
 * The typed ScrapingPros API client, on undici.
 *
 * One request loop (`request`) does auth, timeouts, retries and error mapping; the resource
 * namespaces (`collections`, `runs`, `jobs`) are thin: a path and a schema each.
 */
import { Agent, type Dispatcher, request as undiciRequest } from "undici";
import { PACKAGE_VERSION } from "../version";
import {
  ApiConnectionError,
  type ApiError,
  ApiTimeoutError,
  errorFromResponse,
  parseDetail,
  ResponseValidationError,
  redact,
  ScrapingProsError,
} from "./errors";
import { isThrottle, type RateLimitState, throttlePauseMs } from "./rate-limit-policy";
import {
  FIRST_ATTEMPT_PRIORITY,
  type LimitClock,
  type RateLimits,
  RETRY_PRIORITY,
  rateLimitsFor,
} from "./rate-limits";
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

/** The production API host. Paths already carry `/v1`. */
export const DEFAULT_BASE_URL = "https://api.scrapingpros.com";

/** Options of {@link ScrapingProsClient}. Everything but `apiKey` has a default. */
export interface ClientOptions extends Partial<RetryOptions> {
  /** Sent as `Authorization: Bearer <apiKey>`. Never logged, never put in an error. */
  apiKey: string;
  /**
   * API host, with or without a trailing `/v1` (it is added exactly once).
   * @default "https://api.scrapingpros.com"
   */
  baseUrl?: string;
  /** An undici dispatcher, e.g. a `MockAgent` in tests. @default a keep-alive `Agent` owned by the client */
  dispatcher?: Dispatcher;
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
   * pauses for `delayMs`, and the retry does not count against `maxRetries`.
   */
  throttled: boolean;
  /** How long the client waits before the next attempt. @unit milliseconds */
  delayMs: number;
}

/** Per-call settings. */
export interface RequestOptions {
  /** Query parameters; entries whose value is undefined are left out. */
  query?: Record<string, string | undefined>;
  /** The request body, sent as JSON. */
  body?: unknown;
  /** Sent as `Idempotency-Key`; makes a POST retryable. */
  idempotencyKey?: string;
  /** Overrides the retry mode derived from the method. */
  retry?: RetryMode;
  /** Overrides the client's `deadlineMs` for this call (retries and waits included). @unit milliseconds */
  deadlineMs?: number;
}

/** A successful response with the metadata a caller may need. */
export interface ApiResponse<T> {
  /** The body, parsed and checked against the endpoint's schema. */
  data: T;
  /** HTTP status of the response (2xx). */
  status: number;
  /** True when the server answered `Idempotency-Replayed: true`: nothing new was created. */
  replayed: boolean;
  /** `x-request-id` of the response, when the server sent one. */
  requestId: string | undefined;
  /** How many attempts the call took (1 when it succeeded first time). */
  attempts: number;
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
export class ScrapingProsClient {
  /** Collections: create, list, get, update. */
  readonly collections: CollectionsResource;
  /** Runs of a collection: start, list, get. */
  readonly runs: RunsResource;
  /** Jobs of a run: list, result. */
  readonly jobs: JobsResource;
  /** The normalized API origin (no trailing `/v1`). */
  readonly baseUrl: string;

  readonly #apiKey: string;
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
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
    this.#retry = {
      maxRetries: options.maxRetries ?? DEFAULT_RETRY.maxRetries,
      initialDelayMs: options.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
      timeoutMs: options.timeoutMs ?? DEFAULT_RETRY.timeoutMs,
      deadlineMs: options.deadlineMs ?? DEFAULT_RETRY.deadlineMs,
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
   */
  async request<T>(
    method: "GET" | "POST" | "PUT",
    path: string,
    schema: Schema<T>,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const sent = { attempts: 0 };
    try {
      return await this.#request(method, path, schema, options, sent);
    } catch (e) {
      // What the user needs to judge a failure: how many attempts, within which deadline.
      if (e instanceof ScrapingProsError) {
        e.attempts = sent.attempts;
        e.deadlineMs = options.deadlineMs ?? this.#retry.deadlineMs;
        e.deadlineFrom = options.deadlineMs !== undefined ? "call" : "client";
      }
      throw e;
    }
  }

  async #request<T>(
    method: "GET" | "POST" | "PUT",
    path: string,
    schema: Schema<T>,
    options: RequestOptions,
    sent: { attempts: number },
  ): Promise<ApiResponse<T>> {
    const now = this.#options.now ?? Date.now;
    const sleep = this.#options.sleep ?? sleepTimer;
    const random = this.#options.random ?? Math.random;
    const mode: RetryMode =
      options.retry ?? (method !== "POST" ? "safe" : options.idempotencyKey ? "keyed" : "never");
    const deadline = now() + (options.deadlineMs ?? this.#retry.deadlineMs);
    const url = this.baseUrl + path + queryString(options.query);
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
    // Only crashes (5xx, lost answers) spend the `maxRetries` budget; throttles wait within the deadline.
    let crashRetries = 0;
    let lastError: Error | undefined;
    for (let attempt = 0; ; attempt++) {
      let failure: AttemptFailure;
      let error: Error;
      let startedAt = now();
      try {
        const res = await this.#limits.run(
          (started) => {
            startedAt = started;
            const remaining = deadline - started;
            // The call waited its turn (or a pause) past its deadline: nothing was sent.
            if (remaining <= 0) {
              throw (
                lastError ??
                new ApiTimeoutError(`${method} ${path} waited past its deadline for the API's rate limit`)
              );
            }
            sent.attempts++;
            return this.#attempt(method, url, headers, body, Math.min(this.#retry.timeoutMs, remaining));
          },
          clock,
          attempt === 0 ? FIRST_ATTEMPT_PRIORITY : RETRY_PRIORITY,
        );
        if (res.status >= 200 && res.status < 300) {
          this.#limits.report({ kind: "accepted", at: now(), startedAt }, clock);
          return {
            data: this.#parse(schema, res.text, `${method} ${path}`),
            status: res.status,
            replayed: (res.headers["idempotency-replayed"] ?? "").toLowerCase() === "true",
            requestId: res.headers["x-request-id"],
            attempts: attempt + 1,
          };
        }
        const apiError: ApiError = errorFromResponse(
          {
            status: res.status,
            detail: redactDetail(parseDetail(res.text), [this.#apiKey]),
            headers: res.headers,
            method,
            path,
            retryable: isRetryableStatus(res.status),
          },
          options.idempotencyKey !== undefined,
        );
        failure = { kind: "status", status: res.status, retryAfter: res.headers["retry-after"] };
        error = apiError;
      } catch (e) {
        if (!(e instanceof ApiConnectionError)) throw e;
        if (e === lastError) throw e;
        failure = e instanceof ApiTimeoutError ? { kind: "timeout" } : { kind: "network" };
        error = e;
      }
      lastError = error;
      const throttled = isThrottle(failure, now());
      let delayMs: number;
      if (throttled) {
        const state: RateLimitState = this.#limits.report(
          {
            kind: "throttled",
            at: now(),
            startedAt,
            pauseMs: throttlePauseMs(
              failure,
              this.#limits.state.throttleStreak,
              this.#retry,
              random(),
              now(),
            ),
          },
          clock,
        );
        if (mode === "never") throw error;
        delayMs = Math.max(0, state.pauseUntil - now());
      } else {
        if (failure.kind === "status" && failure.status < 500) {
          this.#limits.report({ kind: "accepted", at: now(), startedAt }, clock);
        }
        if (!shouldRetry(mode, failure, crashRetries, this.#retry)) throw error;
        delayMs = retryDelayMs(failure, attempt, this.#retry, random(), now());
      }
      // A wait that would overrun the deadline cannot lead to a useful attempt.
      if (now() + delayMs >= deadline) throw error;
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

  async #attempt(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    const signal = AbortSignal.timeout(Math.max(1, timeoutMs));
    try {
      const res = await undiciRequest(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal,
        dispatcher: this.#getDispatcher(),
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: flattenHeaders(res.headers), text };
    } catch (e) {
      const where = `${method} ${new URL(url).pathname}`;
      if (signal.aborted) {
        throw new ApiTimeoutError(`${where} timed out after ${timeoutMs} ms`, { cause: e });
      }
      const detail =
        e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
      throw new ApiConnectionError(`${where} failed without a response (${redact(detail, [this.#apiKey])})`, {
        cause: e,
      });
    }
  }

  #parse<T>(schema: Schema<T>, text: string, what: string): T {
    let json: unknown;
    try {
      json = text.length ? JSON.parse(text) : undefined;
    } catch {
      throw new ResponseValidationError(what, [{ path: "", message: "body is not JSON" }]);
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      throw new ResponseValidationError(
        what,
        result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
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

function redactDetail<T>(detail: T, secrets: string[]): T {
  if (typeof detail === "string") return redact(detail, secrets) as T;
  if (Array.isArray(detail)) return JSON.parse(redact(JSON.stringify(detail), secrets)) as T;
  return detail;
}
