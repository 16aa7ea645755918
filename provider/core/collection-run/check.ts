/**
 * `check` of a CollectionRun: validates its inputs before any API call and applies the defaults.
 * Each failure names the property and the reason; a value is echoed only when it is not secret
 * (and a webhook URL never). Pure.
 */
import type { CheckFailure, CheckResult } from "../results";
import { UNKNOWN } from "../rules/collection-rules";
import { closestName } from "../rules/near-miss";
import { SECRET_INPUTS, secretInputsOf } from "../secrets";
import {
  DEFAULT_RUN_TIMEOUT_SECONDS,
  INTERNAL_RUN_INPUTS,
  KNOWN_RUN_PROPERTIES,
  RUN_OUTPUT_NAMES,
} from "./state";

const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** Validates and normalizes the inputs (defaults applied). Pure, no API call. */
export function checkCollectionRun(news: Record<string, unknown>): CheckResult {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const inputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(news)) if (v !== undefined && k !== "__provider") inputs[k] = v;
  if (typeof news.__provider === "string") inputs.__provider = news.__provider;
  // The SDK passes on every key of the arguments, however they were built (a variable, a spread,
  // parsed JSON), so that a misspelled one fails here instead of being dropped.
  for (const [k, v] of Object.entries(news)) {
    if (v === undefined || (KNOWN_RUN_PROPERTIES as readonly string[]).includes(k)) continue;
    if ((INTERNAL_RUN_INPUTS as readonly string[]).includes(k)) continue;
    fail(k, unknownRunPropertyReason(k));
  }

  const secrets = news[SECRET_INPUTS];
  if (
    secrets !== undefined &&
    !isUnknown(secrets) &&
    (!Array.isArray(secrets) || secrets.some((n) => typeof n !== "string"))
  ) {
    fail(
      SECRET_INPUTS,
      "must be the list of the names of the secret inputs, as the CollectionRun class passes it",
    );
  }
  const secret = secretInputsOf(news);
  // A bad value is echoed to help fix a typo, unless the program marked it secret.
  const got = (name: string, v: unknown) => (secret.has(name) ? "" : ` (got ${JSON.stringify(v)})`);
  if (!isUnknown(news.collectionId) && (typeof news.collectionId !== "string" || news.collectionId === "")) {
    fail("collectionId", "collectionId must be the id of a collection (a non-empty string)");
  }
  const wait = news.wait ?? "completed";
  if (!isUnknown(wait) && wait !== "none" && wait !== "completed") {
    fail("wait", `wait must be "none" or "completed"${got("wait", wait)}`);
  }
  inputs.wait = wait;
  const timeout = news.timeoutSeconds ?? DEFAULT_RUN_TIMEOUT_SECONDS;
  if (!isUnknown(timeout) && (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0)) {
    fail(
      "timeoutSeconds",
      `timeoutSeconds must be a positive number of seconds${got("timeoutSeconds", timeout)}`,
    );
  }
  inputs.timeoutSeconds = timeout;
  const failOn = news.failOn ?? "none";
  if (!isUnknown(failOn) && failOn !== "none" && failOn !== "any-failed") {
    fail("failOn", `failOn must be "none" or "any-failed"${got("failOn", failOn)}`);
  }
  inputs.failOn = failOn;
  const cb = news.callbackUrl;
  if (cb !== undefined && cb !== null && !isUnknown(cb)) {
    let url: URL | undefined;
    try {
      url = typeof cb === "string" ? new URL(cb) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      // Not echoed even when plain: webhook URLs often carry a token.
      fail("callbackUrl", "callbackUrl must be an absolute http(s) URL");
    } else if (String(cb).includes("#")) {
      fail(
        "callbackUrl",
        "callbackUrl must not have a #fragment: the provider puts the run's fingerprint there",
      );
    }
  }
  return { inputs, failures };
}

/**
 * The reason `check` gives for a property a `CollectionRun` does not have: the likely intended one
 * (`trigger` → `triggers`, `timeout_seconds` → `timeoutSeconds`), an output passed as an input, or
 * the list of properties.
 */
export function unknownRunPropertyReason(key: string): string {
  const property = closestName(key, KNOWN_RUN_PROPERTIES);
  if (property !== undefined) return `is not a CollectionRun property; did you mean ${property}?`;
  const output = closestName(key, RUN_OUTPUT_NAMES);
  if (output !== undefined) {
    return `is an output of CollectionRun (${output}, reported by the API), not an input: remove it`;
  }
  return `is not a CollectionRun property (they are: ${KNOWN_RUN_PROPERTIES.join(", ")})`;
}
