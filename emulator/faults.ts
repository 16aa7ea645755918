import { randomUUID } from "node:crypto";
import type { JsonValue } from "./json";
import { isJsonObject } from "./json";

/**
 * What an injected fault does to a matching API request.
 * - `status`: answer with `status` (and `body`, `Retry-After`) without processing the request.
 * - `delay`: wait `delayMs`, then process normally.
 * - `drop`: destroy the socket without processing.
 * - `drop-after-commit`: process (state and journal are committed), then destroy the socket unanswered.
 * - `hold`: process and commit, then keep the response pending until released.
 */
export type FaultAction = "status" | "delay" | "drop" | "drop-after-commit" | "hold";

/** The actions, for validation. */
export const FAULT_ACTIONS: readonly FaultAction[] = ["status", "delay", "drop", "drop-after-commit", "hold"];

/** A registered fault, as `GET /__emulator/faults` lists it. */
export interface Fault {
  /** The fault's id, as `POST /__emulator/faults` returned it. */
  id: string;
  /** Upper-case HTTP method, or `null` for any. */
  method: string | null;
  /** Path pattern: `*` matches one segment, `**` any number of segments (including none). */
  path: string;
  /** How many more matching requests this fault applies to. */
  times: number;
  /** What happens to a matching request (status, delay, drop, drop after commit, hold). */
  action: FaultAction;
  /** Status for `status` faults. */
  status: number | null;
  /** `Retry-After` header value for `status` faults. */
  retryAfter: string | null;
  /** Response body for `status` faults; `null` means `{"detail":"injected fault"}`. */
  body: JsonValue | null;
  /** Wait for `delay` faults. */
  delayMs: number;
}

/** A response held by a `hold` fault, as `GET /__emulator/held` lists it. */
export interface HeldRequest {
  /** The id of the `hold` fault that holds it. */
  faultId: string;
  /** The request's `seq` in the request log. */
  seq: number;
  /** Upper-case HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
}

/**
 * Validates a `POST /__emulator/faults` body.
 * @returns the fault to register (with a fresh id), or a 400 detail.
 */
export function parseFault(input: unknown): { ok: true; fault: Fault } | { ok: false; detail: string } {
  if (!isJsonObject(input)) return { ok: false, detail: "body must be a JSON object" };
  const { method, path, times, action, status, retryAfter, body, delayMs } = input;
  if (typeof path !== "string" || !path.startsWith("/"))
    return { ok: false, detail: "path must be a string starting with /" };
  if (method !== undefined && method !== null && typeof method !== "string") {
    return { ok: false, detail: "method must be a string" };
  }
  if (typeof action !== "string" || !FAULT_ACTIONS.includes(action as FaultAction)) {
    return { ok: false, detail: `action must be one of ${FAULT_ACTIONS.join(", ")}` };
  }
  if (times !== undefined && !(Number.isInteger(times) && (times as number) >= 1)) {
    return { ok: false, detail: "times must be a positive integer" };
  }
  if (
    action === "status" &&
    !(Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599)
  ) {
    return { ok: false, detail: "status faults need an integer status between 100 and 599" };
  }
  if (retryAfter !== undefined && retryAfter !== null && typeof retryAfter !== "string") {
    return { ok: false, detail: "retryAfter must be a string" };
  }
  if (delayMs !== undefined && !(typeof delayMs === "number" && delayMs >= 0 && Number.isFinite(delayMs))) {
    return { ok: false, detail: "delayMs must be a non-negative number" };
  }
  return {
    ok: true,
    fault: {
      id: randomUUID(),
      method: typeof method === "string" ? method.toUpperCase() : null,
      path,
      times: (times as number | undefined) ?? 1,
      action: action as FaultAction,
      status: typeof status === "number" ? status : null,
      retryAfter: typeof retryAfter === "string" ? retryAfter : null,
      body: body ?? null,
      delayMs: (delayMs as number | undefined) ?? 0,
    },
  };
}

/**
 * Matches a request path against a fault pattern, segment by segment.
 * @example matchPathPattern("/v1/async/collections/*", "/v1/async/collections/abc") // true
 * @example matchPathPattern("/v1/**", "/v1/async/collections/abc/runs") // true
 */
export function matchPathPattern(pattern: string, path: string): boolean {
  return matchSegments(pattern.split("/"), 0, path.split("/"), 0);
}

function matchSegments(pattern: string[], pi: number, path: string[], si: number): boolean {
  if (pi === pattern.length) return si === path.length;
  const segment = pattern[pi];
  if (segment === "**") {
    for (let k = si; k <= path.length; k++) if (matchSegments(pattern, pi + 1, path, k)) return true;
    return false;
  }
  if (si === path.length) return false;
  if (segment !== "*" && segment !== path[si]) return false;
  if (segment === "*" && path[si] === "") return false;
  return matchSegments(pattern, pi + 1, path, si + 1);
}

interface Waiter extends HeldRequest {
  release: () => void;
}

/** Pending faults (consumed in FIFO order) and the responses `hold` faults are keeping. */
export class FaultRegistry {
  private faults: Fault[] = [];
  private waiters: Waiter[] = [];

  /** Registers a fault behind every existing one. */
  add(fault: Fault): void {
    this.faults.push(fault);
  }

  /** Consumes one use of the oldest fault matching the request, if any. */
  take(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(
      (f) => (f.method === null || f.method === method) && matchPathPattern(f.path, path),
    );
    const fault = this.faults[index];
    if (fault === undefined) return undefined;
    fault.times--;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return { ...fault };
  }

  /** The pending faults, oldest first. */
  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Removes every pending fault (held responses stay held). */
  clear(): void {
    this.faults = [];
  }

  /** Resolves when {@link FaultRegistry.release} releases this request. */
  hold(request: HeldRequest): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ ...request, release: resolve }));
  }

  /** The held responses, oldest first. */
  held(): HeldRequest[] {
    return this.waiters.map(({ faultId, seq, method, path }) => ({ faultId, seq, method, path }));
  }

  /**
   * Lets held responses go out.
   * @param faultId release only those held by this fault; all when omitted.
   * @returns how many were released.
   */
  release(faultId?: string): number {
    const released = this.waiters.filter((w) => faultId === undefined || w.faultId === faultId);
    this.waiters = this.waiters.filter((w) => !released.includes(w));
    for (const w of released) w.release();
    return released.length;
  }
}
