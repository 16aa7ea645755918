/**
 * Near-miss detection: names that look like a known field or setting but are not one
 * (`customId` for `custom_id`, `Browser` for `browser`, `scrapingpros:baseURL` for
 * `scrapingpros:baseUrl`). Unknown request fields still reach the API as written (it has
 * parameters this package does not know); only a near miss of a known one is worth a warning.
 * Distances come from `fastest-levenshtein`. Pure.
 */
import { distance } from "fastest-levenshtein";
import { formatPath } from "./collection-rules";

/** Longer names are not near any known one (they are at most 13 characters); skipping them bounds the work. */
const MAX_NEAR_MISS_LENGTH = 64;

/** The per-request fields this package knows, in the API's spelling. */
export const KNOWN_REQUEST_FIELDS = [
  "url",
  "custom_id",
  "browser",
  "screenshot",
  "use_proxy",
  "actions",
] as const;

/** The `Collection` properties a user declares. */
export const KNOWN_COLLECTION_PROPERTIES = [
  "name",
  "requests",
  "callbackUrl",
  "adoptExisting",
  "adoptId",
] as const;

/** Lower case without `_`, `-` and spaces: `customId`, `Custom-ID` and `custom_id` all give `customid`. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, "");
}

/**
 * The known name `name` most likely stands for (itself when it is known), or undefined when it is
 * not close to any. Close means: the same once case and `_`/`-` are ignored, or at most one edit apart for short names
 * (two for names of eight characters or more) after that folding.
 * @example closestName("customId", KNOWN_REQUEST_FIELDS) === "custom_id"
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (name.length > MAX_NEAR_MISS_LENGTH) return undefined;
  const folded = fold(name);
  let best: { name: string; d: number } | undefined;
  for (const candidate of known) {
    if (candidate === name) return candidate;
    const d = distance(folded, fold(candidate));
    if (best === undefined || d < best.d) best = { name: candidate, d };
  }
  if (best === undefined) return undefined;
  const allowed = folded.length >= 8 ? 2 : 1;
  return best.d <= allowed && folded.length > 1 ? best.name : undefined;
}

/** One request field that looks like a typo, with the property path the engine would use. */
export interface NearMiss {
  /** `requests[3].customId` */
  path: string;
  /** The request's index in `requests` (3 above). */
  index: number;
  /** The field as written (`customId` above). */
  field: string;
  /** What to write instead, e.g. `custom_id`. */
  suggestion: string;
  /** The whole warning, e.g. `requests[3].customId: unknown field; did you mean custom_id? …`. */
  message: string;
}

/**
 * Warnings for request fields that are near misses of known ones, or Collection properties put
 * inside a request (`callback_url`, `callbackUrl`). Fields that are not close to anything known
 * pass silently: they may be API parameters this package does not know. Values not yet known
 * (`requests` as a whole unknown at preview) give no warning.
 */
export function requestNearMisses(requests: unknown): NearMiss[] {
  if (!Array.isArray(requests)) return [];
  const out: NearMiss[] = [];
  requests.forEach((req, i) => {
    if (typeof req !== "object" || req === null || Array.isArray(req)) return;
    for (const key of Object.keys(req)) {
      if ((KNOWN_REQUEST_FIELDS as readonly string[]).includes(key) || key.length > MAX_NEAR_MISS_LENGTH)
        continue;
      const path = formatPath(["requests", i, key]);
      const field = closestName(key, KNOWN_REQUEST_FIELDS);
      if (field !== undefined) {
        out.push({
          path,
          index: i,
          field: key,
          suggestion: field,
          message:
            `${path}: unknown field; did you mean ${field}? It is sent to the API as written: ` +
            `rename it to ${field} if that is what you meant`,
        });
        continue;
      }
      const property = closestName(key, KNOWN_COLLECTION_PROPERTIES);
      if (property !== undefined) {
        out.push({
          path,
          index: i,
          field: key,
          suggestion: property,
          message:
            `${path}: ${property} is a property of the Collection, not of a request; ` +
            `move it next to \`requests\` as ${property}`,
        });
      }
    }
  });
  return out;
}

/**
 * The reason `check` gives for a top-level property the Collection does not have, with the
 * likely intended one (`callback_url` → `callbackUrl`) or the list of properties.
 */
export function unknownPropertyReason(key: string): string {
  const property = closestName(key, KNOWN_COLLECTION_PROPERTIES);
  if (property !== undefined) return `is not a Collection property; did you mean ${property}?`;
  const field = closestName(key, KNOWN_REQUEST_FIELDS);
  if (field !== undefined) {
    return `is not a Collection property; ${field} is a field of each request: put it in requests[i]`;
  }
  return `is not a Collection property (they are: ${KNOWN_COLLECTION_PROPERTIES.join(", ")})`;
}
