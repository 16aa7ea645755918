import { timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { finished } from "node:stream/promises";
import { toIsoSeconds } from "./clock";
import { type Fault, FaultRegistry, parseFault } from "./faults";
import { type ApiResponse, BodyTooLargeError, detail, json, readBody, send } from "./http";
import { InFlightKeys, keyScope } from "./idempotency";
import {
  type EmulatorOptions,
  type ResolvedEmulatorOptions,
  type RunningEmulator,
  resolveOptions,
} from "./options";
import { TokenBuckets } from "./rate-limit";
import { RequestLog, type RequestLogEntry } from "./request-log";
import { apiRouter } from "./routes/api";
import type { ApiServices } from "./routes/context";
import { type ControlServices, controlRouter } from "./routes/control";
import { Store } from "./store";
import { WebhookDispatcher } from "./webhooks";

const CONTROL_PREFIX = "/__emulator";

/**
 * Starts the emulator: a node:http server for the public API under `/v1` (Bearer auth, except
 * `GET /v1/health`) and the unauthenticated control API under `/__emulator`.
 *
 * Every API request goes through the same pipeline: read the body, take a token of its key's rate
 * limit (when one is set; none left answers 429), claim its `Idempotency-Key`, apply the oldest
 * matching fault (which may answer, drop or delay it), run the handler (which commits state
 * and journal synchronously), then drop, hold or send the response.
 *
 * @example
 * const emulator = await startEmulator({ quiet: true });
 * await fetch(`${emulator.url}/v1/health`);
 * await emulator.stop();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const config = resolveOptions(options);
  const store = Store.open({
    ...(config.dataPath === undefined ? {} : { dataPath: config.dataPath }),
    fsync: config.fsync,
  });
  let baseUrl = "";
  const webhooks = new WebhookDispatcher({
    store,
    secret: config.webhookSecret,
    baseUrl: () => baseUrl,
    allowExternal: config.allowExternalWebhooks,
    attemptTimeoutMs: config.webhookAttemptTimeoutMs,
  });
  const faults = new FaultRegistry();
  const requestLog = new RequestLog();
  const inFlight = new InFlightKeys();
  const buckets = config.rateLimit === null ? null : new TokenBuckets(config.rateLimit, () => store.now());
  const api = apiRouter();
  const control = controlRouter();
  const apiServices: ApiServices = {
    store,
    hosts: config.hosts,
    jobDurationMs: config.jobDurationMs,
    webhooks,
  };
  const reset = (): void => {
    faults.clear();
    faults.release();
    requestLog.reset();
    webhooks.reset();
    store.reset();
    buckets?.reset();
  };
  const controlServices: ControlServices = { store, faults, requestLog, webhooks, reset };
  const acceptedScopes = [config.apiKey, ...config.extraApiKeys].map((k) => Buffer.from(keyScope(k)));

  const pending = new Set<Promise<void>>();
  const delays = new Set<() => void>();
  let stopping = false;

  const server = http.createServer((req, res) => {
    const task = handle(req, res)
      .catch((error: unknown) => {
        if (!config.quiet) process.stderr.write(`[emulator] internal error: ${String(error)}\n`);
        if (!res.headersSent) send(res, detail(500, "Internal Server Error"));
      })
      .finally(() => pending.delete(task));
    pending.add(task);
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    // A trailing slash names the same resource (FastAPI would redirect).
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`))
      return handleControl(req, res, method, path);

    const idempotencyKey = headerValue(req.headers["idempotency-key"]);
    const started = performance.now();
    const entry = requestLog.add({
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      status: null,
      idempotencyKey,
      replayed: false,
      fault: null,
      rateLimited: false,
      at: new Date(store.now()).toISOString(),
    });
    const finish = async (response: ApiResponse): Promise<void> => {
      // A client that hung up (e.g. timed out during a delay) never sees the status: log it as dropped.
      entry.status = req.socket.destroyed ? null : response.status;
      entry.replayed = response.headers?.["idempotency-replayed"] === "true";
      await sendAndWait(res, response);
      logLine(config, entry, started);
    };
    const drop = (): void => {
      req.socket.destroy();
      logLine(config, entry, started);
    };

    let rawBody: Buffer;
    try {
      rawBody = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return finish(detail(413, "Request body too large"));
      return drop();
    }

    const token = bearerToken(req.headers.authorization);
    const scope = token === null ? "" : keyScope(token);
    if (buckets !== null) {
      // One bucket per accepted key; every other caller (no key, a wrong key) shares one.
      const taken = buckets.take(isAccepted(scope) ? scope : "");
      if (!taken.ok) {
        entry.rateLimited = true;
        return finish(detail(429, "Rate limit exceeded", { "retry-after": String(taken.retryAfterSeconds) }));
      }
    }
    // The claim spans the whole request, delay and hold included, so a retry racing it gets 409.
    const claims = idempotencyKey !== null && method === "POST" && path === "/v1/async/collections";
    const claimed = claims && inFlight.claim(scope, idempotencyKey);
    try {
      const fault = faults.take(method, path);
      entry.fault = fault?.action ?? null;
      if (fault?.action === "status") return await finish(faultResponse(fault));
      if (fault?.action === "drop") return drop();
      if (fault?.action === "delay") await sleep(fault.delayMs);
      if (stopping) return drop();

      let response: ApiResponse;
      try {
        response = processApi(req, method, path, url.searchParams, rawBody, {
          token,
          scope,
          idempotencyKey,
          idempotencyConflict: claims && !claimed,
        });
      } catch (error) {
        if (!config.quiet) process.stderr.write(`[emulator] internal error: ${String(error)}\n`);
        response = detail(500, "Internal Server Error");
      }
      if (fault?.action === "drop-after-commit") return drop();
      if (fault?.action === "hold") {
        await faults.hold({ faultId: fault.id, seq: entry.seq, method, path });
      }
      return await finish(response);
    } finally {
      if (claimed && idempotencyKey !== null) inFlight.release(scope, idempotencyKey);
    }
  }

  function processApi(
    req: http.IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    rawBody: Buffer,
    auth: {
      token: string | null;
      scope: string;
      idempotencyKey: string | null;
      idempotencyConflict: boolean;
    },
  ): ApiResponse {
    const match = api.match(method, path);
    if (match === null) return detail(404, "Not Found");
    if ("methodNotAllowed" in match) {
      return detail(405, "Method Not Allowed", { allow: match.methodNotAllowed.join(", ") });
    }
    if (match.handler.auth) {
      // The detail never repeats what was sent: it may be a real key pasted into the wrong place.
      if (auth.token === null) return detail(401, "Not authenticated", { "www-authenticate": "Bearer" });
      if (!isAccepted(auth.scope)) {
        return detail(401, "Invalid API key", { "www-authenticate": "Bearer" });
      }
    }
    return match.handler.handle(
      {
        method,
        path,
        query,
        headers: req.headers,
        rawBody,
        params: match.params,
        scope: auth.scope,
        idempotencyKey: auth.idempotencyKey,
        idempotencyConflict: auth.idempotencyConflict,
      },
      apiServices,
    );
  }

  async function handleControl(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    let body: unknown;
    try {
      const raw = await readBody(req);
      body = raw.length === 0 ? undefined : JSON.parse(raw.toString("utf8"));
    } catch {
      return sendAndWait(res, detail(400, "Invalid JSON body"));
    }
    const match = control.match(method, path);
    if (match === null) return sendAndWait(res, detail(404, "Not Found"));
    if ("methodNotAllowed" in match) {
      return sendAndWait(
        res,
        detail(405, "Method Not Allowed", { allow: match.methodNotAllowed.join(", ") }),
      );
    }
    return sendAndWait(res, match.handler(body, controlServices));
  }

  function isAccepted(scope: string): boolean {
    if (scope === "") return false;
    // Scopes are fixed-length hashes, so the comparison takes the same time for any key sent.
    const sent = Buffer.from(scope);
    return acceptedScopes.some((k) => timingSafeEqual(k, sent));
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        delays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      delays.add(done);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${urlHost(config.host)}:${port}`;
  webhooks.schedule();

  let stopped: Promise<void> | null = null;
  return {
    url: baseUrl,
    port,
    apiKey: config.apiKey,
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        faults.release();
        for (const cancel of [...delays]) cancel();
        await Promise.allSettled([...pending]);
        await webhooks.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        store.close();
      })();
      return stopped;
    },
    now: () => store.now(),
    advanceClock: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError("ms must be a non-negative number");
      const now = store.advanceClock(ms);
      webhooks.schedule();
      return now;
    },
    reset,
    addFault: (input) => {
      const parsed = parseFault(input);
      if (!parsed.ok) throw new Error(parsed.detail);
      faults.add(parsed.fault);
      return parsed.fault.id;
    },
    release: (faultId) => faults.release(faultId),
    requests: () => requestLog.list(),
    collections: () => store.listCollections().map((c) => structuredClone(c)),
    removeCollection: (id) => store.removeCollection(id),
  };
}

function faultResponse(fault: Fault): ApiResponse {
  const headers: Record<string, string> =
    fault.retryAfter === null ? {} : { "retry-after": fault.retryAfter };
  return json(fault.status ?? 500, fault.body ?? { detail: "injected fault" }, headers);
}

/** Sends a response and resolves once it has been handed to the socket (or the socket is gone). */
function sendAndWait(res: http.ServerResponse, response: ApiResponse): Promise<void> {
  send(res, response);
  // finished() also settles for a response whose client hung up earlier (e.g. during a delay fault),
  // whose "close" event has already been emitted.
  return finished(res).catch(() => undefined);
}

function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer[ \t]+(\S.*)$/i.exec(header.trim());
  return match?.[1]?.trim() ?? null;
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

function logLine(config: ResolvedEmulatorOptions, entry: RequestLogEntry, started: number): void {
  if (config.quiet) return;
  const fault = entry.fault === null ? "" : ` [fault: ${entry.fault}]`;
  const replayed = entry.replayed ? " (replayed)" : "";
  const ms = (performance.now() - started).toFixed(1);
  process.stderr.write(
    `[emulator] ${toIsoSeconds(Date.now())} ${entry.method} ${entry.path} ${entry.status ?? "-"}${replayed}${fault} ${ms} ms\n`,
  );
}
