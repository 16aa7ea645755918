/** One API call, as `GET /__emulator/requests` lists it. Control calls are never logged. */
export interface RequestLogEntry {
  /** 1-based arrival order since the emulator started or was reset (clearing the log keeps counting). */
  seq: number;
  /** Upper-case HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query parameters (the last value wins for repeated names). */
  query: Record<string, string>;
  /** Status sent; `null` while the request is pending or held, and for dropped requests. */
  status: number | null;
  /** The `Idempotency-Key` header as sent, or `null`. */
  idempotencyKey: string | null;
  /** True when the response was an idempotent replay. */
  replayed: boolean;
  /** Action of the fault applied to this request, or `null`. */
  fault: string | null;
  /** True when the rate limit refused the request (429). */
  rateLimited: boolean;
  /** Arrival time (emulator clock), ISO 8601. */
  at: string;
}

/** How many entries the request log keeps; older ones are dropped first. */
export const MAX_REQUEST_LOG_ENTRIES = 10_000;

/** The in-memory log of API calls. Entries are recorded on arrival and completed when answered. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private nextSeq = 1;

  /** Records an arriving request; the returned entry is updated in place as it progresses. */
  add(entry: Omit<RequestLogEntry, "seq">): RequestLogEntry {
    const recorded = { seq: this.nextSeq++, ...entry };
    this.entries.push(recorded);
    // Bounded so a long-running CLI does not grow without limit; splice in bulk to keep pushes cheap.
    if (this.entries.length > MAX_REQUEST_LOG_ENTRIES * 1.1)
      this.entries.splice(0, this.entries.length - MAX_REQUEST_LOG_ENTRIES);
    return recorded;
  }

  /** A copy of the log, oldest first. */
  list(): RequestLogEntry[] {
    return this.entries.map((e) => ({ ...e, query: { ...e.query } }));
  }

  /** Empties the log. */
  clear(): void {
    this.entries = [];
  }

  /** Empties the log and restarts `seq` at 1. */
  reset(): void {
    this.entries = [];
    this.nextSeq = 1;
  }
}
