/**
 * How a Collection's state looks to the engine, and so to the user, versus inside the provider.
 *
 * Pulumi's CLI shows every stored property in diffs and outputs, except those whose name starts
 * with `__`. So the provider's bookkeeping is stored under hidden names (`autoNamed` as
 * `__autoNamed`, `schemaVersion` as `__schemaVersion`), and the API's epoch-second timestamps as
 * ISO 8601 strings (the CLI prints a float such as `1.795934233442e+09`). Inside, the provider keeps
 * the plain names and numbers; state written before this layer (plain names, numbers) reads the same.
 */

/** Provider-internal names and the hidden names they are stored under. */
const HIDDEN: Readonly<Record<string, string>> = {
  autoNamed: "__autoNamed",
  schemaVersion: "__schemaVersion",
};
/** Timestamps: epoch seconds inside, ISO 8601 in the state. */
const TIMES = ["createdAt", "updatedAt"] as const;

/**
 * A timestamp as the public API gives it: ISO 8601 UTC (`2026-11-30T16:57:13.442Z`) from epoch
 * seconds (the API's unit, and the state's for a CollectionRun) or from an ISO string; `null` for
 * anything else (absent, `null`, not a time).
 */
export function isoTime(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  return null;
}

/** The properties as the engine stores and shows them. */
export function toEngine(props: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...props };
  for (const [name, hidden] of Object.entries(HIDDEN)) {
    if (!(name in out)) continue;
    if (out[name] !== undefined) out[hidden] = out[name];
    delete out[name];
  }
  for (const t of TIMES) {
    const v = out[t];
    if (typeof v === "number" && Number.isFinite(v)) out[t] = new Date(v * 1000).toISOString();
  }
  return out;
}

/** The properties the engine sent, in the provider's own names and units (any state version). */
export function fromEngine(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...props };
  for (const [name, hidden] of Object.entries(HIDDEN)) {
    if (!(hidden in out)) continue;
    if (out[name] === undefined) out[name] = out[hidden];
    delete out[hidden];
  }
  for (const t of TIMES) {
    const v = out[t];
    if (typeof v === "string") {
      const ms = Date.parse(v);
      out[t] = Number.isFinite(ms) ? ms / 1000 : null;
    }
  }
  return out;
}
