import { createHmac } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import { toIsoSeconds } from "./clock";
import { runCompletedAt, runCountersAt } from "./runs";
import type { Store, StoredRun } from "./store";

/** One delivery attempt, as listed by `GET /__emulator/webhooks`. */
export interface WebhookAttempt {
  /** The run whose completion was delivered. */
  run_id: string;
  /** The receiver's URL. */
  url: string;
  /** 1-based attempt number. */
  attempt: number;
  /** The receiver's HTTP status, or `null` when there was no response. */
  status: number | null;
  /** Why the attempt failed (network error, timeout, non-2xx), or `null` on success. */
  error: string | null;
}

/** Options for {@link WebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  store: Store;
  /** HMAC-SHA256 key for `X-SP-Signature`. */
  secret: string;
  /** The emulator's base URL, for `results_url`. */
  baseUrl: () => string;
  /** Waits between attempts; one more attempt than delays is made. @default [200, 400] */
  retryDelaysMs?: readonly number[];
  /**
   * Time limit of one attempt, from the request's start to the last byte of the response (status,
   * headers and body). A receiver that answers 200 and then sends its body one byte a second fails
   * the attempt at this limit. @default 5000
   */
  attemptTimeoutMs?: number;
  /** Deliver to hosts other than loopback (`localhost`, 127.0.0.0/8, `::1`). @default false */
  allowExternal?: boolean;
}

/**
 * Computes the `X-SP-Signature` value the emulator sends: `sha256=` followed by the lowercase hex
 * HMAC-SHA256, keyed with the webhook secret, of `<X-SP-Timestamp value>.<raw body>`.
 * @example signWebhook("secret", "1777853217", '{"event":"run.completed"}')
 */
export function signWebhook(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex")}`;
}

/**
 * Serialises JSON the way Python's `json.dumps(value)` does with its defaults (what a FastAPI or
 * Django backend sending a webhook plausibly writes): `", "` and `": "` between items, non-ASCII
 * characters escaped as `\uXXXX` (`ensure_ascii`), keys in insertion order. So the delivered bytes
 * differ from `JSON.stringify(JSON.parse(body))`, and a receiver that verifies a re-serialised body
 * fails against the emulator as it would against such a backend.
 * @example pythonJsonDumps({ a: [1, "é"] }) === '{"a": [1, "\\u00e9"]}'
 */
export function pythonJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v)).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const items = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${asciiJson(k)}: ${pythonJsonDumps(v)}`);
    return `{${items.join(", ")}}`;
  }
  return typeof value === "string" ? asciiJson(value) : JSON.stringify(value ?? null);
}

function asciiJson(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Sends `run.completed` webhooks. A single timer is armed for the earliest pending completion in
 * emulator time; {@link WebhookDispatcher.schedule} re-arms it whenever a run starts or the clock moves.
 * Each delivery makes up to three attempts (200 ms, then 400 ms apart, real time), each bounded in
 * total by `attemptTimeoutMs` (a complete 2xx response within it succeeds), and records `sent` or
 * `failed` on the run; so no receiver keeps a run `pending` longer than about three limits. Deliveries
 * interrupted by a stop leave the run `pending`, so they are retried after a restart.
 */
export class WebhookDispatcher {
  private readonly options: WebhookDispatcherOptions;
  private readonly attempts: WebhookAttempt[] = [];
  private readonly active = new Map<string, AbortController>();
  private readonly settled = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private generation = 0;
  private stopped = false;

  constructor(options: WebhookDispatcherOptions) {
    this.options = options;
  }

  /** Every attempt so far, oldest first. */
  log(): WebhookAttempt[] {
    return [...this.attempts];
  }

  /** Re-arms the timer for the earliest pending completion (and delivers what is already due). */
  schedule(): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const now = this.options.store.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const run of this.pendingRuns()) {
      const due = runCompletedAt(run);
      if (due <= now) this.deliver(run);
      else earliest = Math.min(earliest, due);
    }
    if (earliest === Number.POSITIVE_INFINITY) return;
    // setTimeout overflows above 2^31-1 ms; a far-off run is simply re-checked later.
    this.timer = setTimeout(() => this.schedule(), Math.min(earliest - now, 2 ** 31 - 1));
    this.timer.unref();
  }

  /** Abandons in-flight deliveries and forgets the attempt log (used by the reset control call). */
  reset(): void {
    this.generation++;
    for (const controller of this.active.values()) controller.abort();
    this.active.clear();
    this.attempts.length = 0;
  }

  /** Stops the timer and every delivery, and waits until they have wound down. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    for (const controller of this.active.values()) controller.abort();
    await Promise.allSettled([...this.settled]);
  }

  private pendingRuns(): StoredRun[] {
    return this.options.store
      .listRuns()
      .filter(
        (r) => r.callback_status === "pending" && r.callback_url !== null && !this.active.has(r.run_id),
      );
  }

  private deliver(run: StoredRun): void {
    const controller = new AbortController();
    this.active.set(run.run_id, controller);
    const generation = this.generation;
    const done = this.attemptAll(run, controller.signal)
      .then((ok) => {
        if (generation !== this.generation || controller.signal.aborted) return;
        this.active.delete(run.run_id);
        // The run may be gone (reset) or the store closed (stop); neither is worth failing over.
        if (this.options.store.getRun(run.run_id) === run) {
          this.options.store.setCallbackStatus(run.run_id, ok ? "sent" : "failed");
        }
      })
      .catch(() => undefined)
      .finally(() => this.settled.delete(done));
    this.settled.add(done);
  }

  private async attemptAll(run: StoredRun, signal: AbortSignal): Promise<boolean> {
    const url = run.callback_url ?? "";
    const store = this.options.store;
    const counters = runCountersAt(run, store.now());
    const body = pythonJsonDumps({
      event: "run.completed",
      run_id: run.run_id,
      collection_id: run.collection_id,
      status: counters.status,
      total_requests: counters.total_requests,
      success_requests: counters.success_requests,
      failed_requests: counters.failed_requests,
      timeout_requests: counters.timeout_requests,
      job_ids: run.jobs.map((j) => j.job_id),
      results_url: `${this.options.baseUrl()}/v1/async/collections/${run.collection_id}/runs/${run.run_id}`,
      timestamp: toIsoSeconds(store.now()),
    });
    const delays = this.options.retryDelaysMs ?? [200, 400];
    for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
      if (signal.aborted) return false;
      const timestamp = String(Math.floor(store.now() / 1000));
      const headers = {
        "content-type": "application/json",
        "user-agent": "scrapingpros-emulator",
        "x-sp-timestamp": timestamp,
        "x-sp-signature": signWebhook(this.options.secret, timestamp, body),
      };
      let status: number | null = null;
      let error: string | null = null;
      if (!this.options.allowExternal && !isLoopbackUrl(url)) {
        error =
          "not delivered: the emulator only calls loopback webhooks unless started with --allow-external-webhooks";
      } else {
        ({ status, error } = await postOnce(
          url,
          headers,
          body,
          this.options.attemptTimeoutMs ?? 5000,
          signal,
        ));
        if (error === null && status !== null && (status < 200 || status > 299)) {
          error = `receiver answered ${status}`;
        }
      }
      if (signal.aborted) return false;
      this.attempts.push({ run_id: run.run_id, url, attempt, status, error });
      if (error === null) return true;
      const delay = delays[attempt - 1];
      if (delay !== undefined) await sleep(delay, signal);
    }
    return false;
  }
}

/** Whether `url` targets this machine: `localhost`, 127.0.0.0/8 or `[::1]`. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * One POST. Resolves (never rejects) once the whole response has arrived, or at the attempt's time
 * limit, or on a network error, with the status seen (null before the status line) and the error.
 * The limit covers the whole exchange: an idle timeout alone never fires for a receiver that sends
 * something every few seconds.
 */
function postOnce(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ status: number | null; error: string | null }> {
  return new Promise((resolve) => {
    let status: number | null = null;
    let settled = false;
    const finish = (error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ status, error });
    };
    const target = new URL(url);
    const transport = target.protocol === "https:" ? https : http;
    // agent:false: one connection per attempt, so no pooled socket outlives the emulator.
    const req = transport.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        agent: false,
        signal,
      },
      (res) => {
        status = res.statusCode ?? 0;
        res.resume();
        res.on("end", () => finish(null));
        res.on("error", (e) => finish(e.message));
        res.on("close", () => finish("the receiver closed the connection before the response ended"));
      },
    );
    const deadline = setTimeout(() => {
      finish(
        status === null
          ? `no response within ${timeoutMs} ms`
          : `the response (status ${status}) did not end within ${timeoutMs} ms`,
      );
      req.destroy();
    }, timeoutMs);
    req.on("error", (e) => finish(e.message));
    req.end(body);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
