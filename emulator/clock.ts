/**
 * The emulator's clock: the real clock plus an offset that only grows. Tests move time forward (job
 * completion, 24 h idempotency and result expiry) through the control API instead of waiting.
 */
export class EmulatorClock {
  /** How far emulator time is ahead of the real clock, in milliseconds. */
  offsetMs: number;

  constructor(offsetMs = 0) {
    this.offsetMs = offsetMs;
  }

  /** Emulator time in epoch milliseconds. */
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

/** Epoch milliseconds → the epoch-seconds float the REST resources use. */
export function toEpochSeconds(ms: number): number {
  return ms / 1000;
}

/** Epoch milliseconds → ISO 8601 UTC without fractional seconds, e.g. `2026-04-06T20:30:00Z`. */
export function toIsoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses an ISO 8601 date or date-time (a missing offset means UTC).
 * @returns epoch milliseconds, or `null` when the text is not ISO 8601.
 * @example parseIso8601("2026-04-30T11:00:00Z") // 1777546800000
 */
export function parseIso8601(text: string): number | null {
  const match = ISO_8601.exec(text);
  if (match === null) return null;
  // Date.parse reads an offset-less date-time as local time; the API means UTC.
  const withZone =
    text.includes("T") || text.includes(" ") ? (match[1] === undefined ? `${text}Z` : text) : text;
  const ms = Date.parse(withZone.replace(" ", "T"));
  return Number.isNaN(ms) ? null : ms;
}
