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
  /** Per-attempt timeout. @default 5000 */
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
 * Sends `run.completed` webhooks. A single timer is armed for the earliest pending completion in
 * emulator time; {@link WebhookDispatcher.schedule} re-arms it whenever a run starts or the clock moves.
 * Each delivery makes up to three attempts (200 ms, then 400 ms apart, real time) and records `sent` or
 * `failed` on the run. Deliveries interrupted by a stop leave the run `pending`, so they are retried
 * after a restart.
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
    const body = JSON.stringify({
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
      try {
        if (!this.options.allowExternal && !isLoopbackUrl(url)) {
          throw new Error(
            "not delivered: the emulator only calls loopback webhooks unless started with --allow-external-webhooks",
          );
        }
        status = await postOnce(url, headers, body, this.options.attemptTimeoutMs ?? 5000, signal);
        if (status < 200 || status > 299) error = `receiver answered ${status}`;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
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

function postOnce(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve, reject) => {
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
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on("error", reject);
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
