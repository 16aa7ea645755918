/**
 * What the resource namespaces (`resources/*`) need from a client: one request loop, and its retry
 * settings. `ScrapingProsClient` implements it; the namespaces take this interface, not the
 * class, so that they do not import the client that builds them.
 */
import type { RetryMode, RetryOptions } from "./retry-policy";
import type { Schema } from "./schema";

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
  /**
   * The whole call's budget, from its start: attempts, waits after failures and waits for the API's
   * rate limit. It replaces the client's `deadlineMs` and `maxThrottleWaitMs` for this call (the
   * provider passes what remains of the resource's `customTimeouts`). @unit milliseconds
   */
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

/** Sends the API's requests: what a resource namespace calls. */
export interface Requester {
  /**
   * Sends one logical request (attempts, retries, error mapping) and checks the 2xx body against
   * `schema`. Throws the client's errors (`ApiError` and its subclasses, `ApiConnectionError`, …).
   */
  request<T>(
    method: "GET" | "POST" | "PUT",
    path: string,
    schema: Schema<T>,
    options?: RequestOptions,
  ): Promise<ApiResponse<T>>;
  /** The retry settings in force, defaults filled in. */
  readonly retryOptions: Readonly<RetryOptions>;
}
