/**
 * A small webhook receiver for ScrapingPros run-completion webhooks, on `node:http`.
 *
 * - builds its verifier once, at startup (`createWebhookVerifier`): an unset or empty secret, or a
 *   tolerance that is not a number, stops it with a clear message before it listens;
 * - reads the raw body (at most 1 MiB) and verifies it before parsing anything;
 * - answers 2xx only to valid deliveries: 401 for a missing, bad or stale signature, 400 for a signed
 *   body that is not a `run.completed` event, 405/404 for other methods and paths, 413 for a big body;
 * - de-duplicates by `run_id` (a repeated delivery, or a replay inside the tolerance, is answered 200
 *   and not stored again);
 * - stores each accepted event: in memory, and appended as one JSON line to `storePath` when given.
 *
 * Run it: `WEBHOOK_SECRET=... PORT=8788 STORE=received.jsonl npx ts-node receiver.ts`
 * (`WEBHOOK_TOLERANCE_SECONDS` optionally sets the replay window, default 300).
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  createWebhookVerifier,
  type RunCompletedEvent,
  WebhookConfigurationError,
  type WebhookScheme,
  type WebhookSecret,
  WebhookVerificationError,
} from "pulumi-scrapingpros";

/** Options of {@link startReceiver}. */
export interface ReceiverOptions {
  /**
   * The webhook signing secret (the emulator's `webhookSecret`, by default its API key), or several
   * during a rotation. Checked at startup: `startReceiver` rejects with a `WebhookConfigurationError`
   * when it is unset or empty.
   */
  secret: WebhookSecret | undefined;
  /** @default 0 (any free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** The path deliveries are POSTed to. @default "/webhook" */
  path?: string;
  /** Append each accepted event as a JSON line here. */
  storePath?: string;
  /** The signing scheme, when not the emulator's. */
  scheme?: Partial<WebhookScheme>;
  /** Replay window in seconds. @default 300 */
  toleranceSeconds?: number;
  /** `false` for a body-only scheme, whose deliveries' age cannot be verified. @default true */
  requireFreshness?: boolean;
}

/** What the receiver answered to one request, for logs and tests. */
export interface ReceiverResponse {
  status: number;
  reason: string;
  runId?: string;
}

/** A running receiver. */
export interface RunningReceiver {
  /** The URL to give as `callbackUrl`. */
  url: string;
  /** Accepted events, first delivery of each run only, in arrival order. */
  received: RunCompletedEvent[];
  /** Every answer given, in order. */
  responses: ReceiverResponse[];
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/** Starts the receiver; resolves once it listens. */
export async function startReceiver(options: ReceiverOptions): Promise<RunningReceiver> {
  // At startup, not per delivery: a misconfigured receiver never starts listening.
  const verify = createWebhookVerifier({
    secret: options.secret,
    ...(options.scheme ? { scheme: options.scheme } : {}),
    ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
    ...(options.requireFreshness !== undefined ? { requireFreshness: options.requireFreshness } : {}),
  });
  const route = options.path ?? "/webhook";
  const received: RunCompletedEvent[] = [];
  const responses: ReceiverResponse[] = [];
  const seen = new Set<string>();

  const answer = (res: http.ServerResponse, r: ReceiverResponse) => {
    responses.push(r);
    res.writeHead(r.status, { "content-type": "application/json" });
    res.end(JSON.stringify(r));
  };

  const server = http.createServer((req, res) => {
    if (new URL(req.url ?? "/", "http://receiver").pathname !== route)
      return answer(res, { status: 404, reason: "not_found" });
    if (req.method !== "POST") return answer(res, { status: 405, reason: "method_not_allowed" });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooBig) return answer(res, { status: 413, reason: "body_too_large" });
      let event: RunCompletedEvent;
      try {
        // Several X-SP-Signature lines arrive joined as "a, b" in req.headers; the verifier splits them.
        event = verify({ rawBody: Buffer.concat(chunks), headers: req.headers }).event;
      } catch (e) {
        if (!(e instanceof WebhookVerificationError))
          return answer(res, { status: 500, reason: "internal_error" });
        return answer(res, { status: e.status, reason: e.reason });
      }
      if (seen.has(event.run_id))
        return answer(res, { status: 200, reason: "duplicate", runId: event.run_id });
      seen.add(event.run_id);
      received.push(event);
      if (options.storePath) fs.appendFileSync(options.storePath, `${JSON.stringify(event)}\n`);
      answer(res, { status: 200, reason: "accepted", runId: event.run_id });
    });
    req.on("error", () => res.destroy());
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}${route}`,
    received,
    responses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const tolerance = process.env.WEBHOOK_TOLERANCE_SECONDS;
  startReceiver({
    // Unset or empty is refused by the verifier with a message naming `secret`, not a crash.
    secret: process.env.WEBHOOK_SECRET,
    port: Number(process.env.PORT ?? 8788),
    storePath: process.env.STORE ?? "received.jsonl",
    // Environment variables are strings: convert, and let the verifier refuse what is not a number.
    ...(tolerance === undefined ? {} : { toleranceSeconds: Number(tolerance) }),
  }).then(
    (r) => {
      console.log(`listening on ${r.url}`);
      const stop = () => void r.close().then(() => process.exit(0));
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    },
    (e: unknown) => {
      if (!(e instanceof WebhookConfigurationError)) throw e;
      console.error(`receiver not started (WEBHOOK_SECRET, WEBHOOK_TOLERANCE_SECONDS): ${e.message}`);
      process.exit(2);
    },
  );
}
