import type { Fault } from "./faults";
import { type RateLimit, validateRateLimit } from "./rate-limit";
import type { RequestLogEntry } from "./request-log";
import type { HostMap } from "./ssrf";
import type { StoredCollection } from "./store";

/** Options for `startEmulator`. */
export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. @default "127.0.0.1" */
  host?: string;
  /**
   * Journal file. When set, state (collections, runs, idempotency records, clock offset) survives a
   * restart, including a SIGKILL; without it, state lives in memory.
   */
  dataPath?: string;
  /** `fdatasync` after every journal append (survives power loss, not only a crash; slower). @default false */
  fsync?: boolean;
  /** The API key clients must send as `Authorization: Bearer <key>`. @default "test-key" */
  apiKey?: string;
  /**
   * More accepted API keys. Collections are shared by all keys; idempotency keys are scoped per API key.
   * @default []
   */
  extraApiKeys?: readonly string[];
  /** HMAC-SHA256 key for webhook signatures. @default the value of `apiKey` */
  webhookSecret?: string;
  /**
   * Emulator milliseconds each job of a run takes: job i finishes at `start + (i + 1) * jobDurationMs`;
   * 0 finishes them all at once.
   * @default 1000
   */
  jobDurationMs?: number;
  /**
   * What host names "resolve" to for the SSRF checks (there is no real DNS).
   * @example { "intranet.example.com": "private", "nx.example.com": "dns_failed" }
   * @default {} (every name not blocked by the built-in rules is public)
   */
  hosts?: HostMap;
  /** Don't log API requests to stderr. @default false */
  quiet?: boolean;
  /**
   * Deliver webhooks to hosts other than loopback. Off by default, so a test or demo never sends
   * traffic off this machine; an attempt to another host is recorded as failed.
   * @default false
   */
  allowExternalWebhooks?: boolean;
  /**
   * Time limit of one webhook delivery attempt, in milliseconds, from the request's start to the last
   * byte of the receiver's response; a receiver still sending at the limit fails the attempt.
   * @default 5000
   */
  webhookAttemptTimeoutMs?: number;
  /**
   * A rate limit per API key: a token bucket of `requests` tokens refilled at `requests / seconds`
   * per second; an API request that finds it empty is answered 429 with `Retry-After` (whole
   * seconds until the next token, rounded up). Control calls are never limited.
   * @example { requests: 25, seconds: 1 }
   * @default none (no limit)
   */
  rateLimit?: RateLimit;
}

/** A fault to inject, as accepted by `POST /__emulator/faults` and {@link RunningEmulator.addFault}. */
export type FaultInput = Partial<Omit<Fault, "id" | "path" | "action">> & Pick<Fault, "path" | "action">;

/** A started emulator. */
export interface RunningEmulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. API paths start with `/v1`. */
  readonly url: string;
  /** The TCP port it listens on (the one picked when the options said 0). */
  readonly port: number;
  /** The primary API key. */
  readonly apiKey: string;
  /**
   * Closes the server and every socket, sends held responses first, stops webhook deliveries (a
   * delivery cut short stays `pending` and is retried after a restart), and flushes the journal.
   */
  stop(): Promise<void>;
  /** Emulator time in epoch milliseconds. */
  now(): number;
  /** Same as `POST /__emulator/clock`: moves emulator time forward; returns the new time. */
  advanceClock(ms: number): number;
  /** Same as `POST /__emulator/reset`. */
  reset(): void;
  /** Same as `POST /__emulator/faults`; returns the fault id. */
  addFault(fault: FaultInput): string;
  /** Same as `POST /__emulator/release`; returns how many held responses were released. */
  release(faultId?: string): number;
  /** Same as `GET /__emulator/requests`. */
  requests(): RequestLogEntry[];
  /** The stored collections, with their requests (times in emulator epoch milliseconds). */
  collections(): StoredCollection[];
  /**
   * Removes a collection as something outside the API would (the API has no delete); its
   * idempotency record stays, so a replayed create still answers with its id.
   * @returns whether it existed
   */
  removeCollection(id: string): boolean;
}

/** Options with every default filled in. */
export interface ResolvedEmulatorOptions {
  port: number;
  host: string;
  dataPath: string | undefined;
  fsync: boolean;
  apiKey: string;
  extraApiKeys: readonly string[];
  webhookSecret: string;
  jobDurationMs: number;
  hosts: HostMap;
  quiet: boolean;
  allowExternalWebhooks: boolean;
  webhookAttemptTimeoutMs: number;
  rateLimit: RateLimit | null;
}

/** Fills in defaults and rejects nonsensical values. */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const apiKey = options.apiKey ?? "test-key";
  if (apiKey === "") throw new Error("apiKey must not be empty");
  const jobDurationMs = options.jobDurationMs ?? 1000;
  if (!Number.isFinite(jobDurationMs) || jobDurationMs < 0) throw new Error("jobDurationMs must be >= 0");
  const webhookAttemptTimeoutMs = options.webhookAttemptTimeoutMs ?? 5000;
  if (!Number.isFinite(webhookAttemptTimeoutMs) || webhookAttemptTimeoutMs <= 0) {
    throw new Error("webhookAttemptTimeoutMs must be a number of milliseconds > 0");
  }
  return {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    dataPath: options.dataPath,
    fsync: options.fsync ?? false,
    apiKey,
    extraApiKeys: options.extraApiKeys ?? [],
    webhookSecret: options.webhookSecret ?? apiKey,
    jobDurationMs,
    hosts: options.hosts ?? {},
    quiet: options.quiet ?? false,
    allowExternalWebhooks: options.allowExternalWebhooks ?? false,
    webhookAttemptTimeoutMs,
    rateLimit: options.rateLimit === undefined ? null : validateRateLimit(options.rateLimit),
  };
}
