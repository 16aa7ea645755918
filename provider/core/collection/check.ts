/**
 * `check`: validates a Collection's inputs before any API call and fills in the derived name.
 * Each failure names the property path (`requests[3].url`) and the reason, never the value (a URL
 * may carry a token). Pure; nothing here recurses into the inputs before the request list's depth
 * bound is checked (see `jsonValueProblems`).
 */

import { deriveAutoName } from "../identity";
import type { CheckCode, CheckFailure, CheckResult } from "../results";
import {
  callbackUrlProblems,
  formatPath,
  nameProblems,
  type RuleProblem,
  requestsProblems,
  UNKNOWN,
} from "../rules/collection-rules";
import { unknownPropertyReason } from "../rules/near-miss";
import { SECRET_INPUTS, secretInputsOf } from "../secrets";
import { parsePropertyPath } from "./diff";
import { INTERNAL_INPUTS, REPLACE_PROPERTIES } from "./state";

export type { CheckCode, CheckFailure } from "../results";
export { UNKNOWN };

const TOP_LEVEL = new Set([
  "name",
  "requests",
  "callbackUrl",
  "adoptExisting",
  "adoptId",
  ...INTERNAL_INPUTS,
]);

const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/**
 * Validates `news` and returns the inputs to store. `name` is derived from the URN when absent.
 * Unknown request fields and action types pass through unchanged. `olds` are the inputs last
 * applied (empty for a new resource, and when the engine checks a replacement again).
 * `replacing` is set for that second check: the replacement gets the next generation, so its
 * idempotency key and derived name differ from the collection it replaces.
 */
export function checkCollection(
  news: Record<string, unknown>,
  olds: Record<string, unknown> = {},
  replacing?: { generation: number },
): CheckResult {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string, code: CheckCode) =>
    failures.push({ property, reason, code });
  // the shapes and the URL rules are the ones of collection-rules.ts, which the file loader shares
  const failAll = (problems: RuleProblem[]) => {
    for (const p of problems) fail(p.path, p.message, p.code);
  };

  for (const key of Object.keys(news)) {
    if (!TOP_LEVEL.has(key) && key !== "autoNamed") {
      fail(formatPath([key]), unknownPropertyReason(key), "unknown_property");
    }
  }

  const inputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(news)) if (TOP_LEVEL.has(k) && v !== undefined) inputs[k] = v;

  const urn = news.__urn;
  if (typeof urn !== "string" || (urn === "" && !isUnknown(urn))) {
    fail(
      "__urn",
      "is missing: create collections through the Collection class of pulumi-scrapingpros",
      "required",
    );
  }

  const oldGeneration = typeof olds.__generation === "number" ? olds.__generation : 0;
  const generation = replacing ? replacing.generation + 1 : oldGeneration;
  if (generation > 0) inputs.__generation = generation;

  const scope = news.__scope;
  if (scope !== undefined && !isUnknown(scope) && (typeof scope !== "string" || scope === "")) {
    fail("__scope", "must be the id of the stack's StackScope", "invalid_type");
  }

  const name = news.name;
  if (name === undefined || name === null) {
    if (
      olds.autoNamed === true &&
      typeof olds.name === "string" &&
      olds.name !== "" &&
      !isUnknown(olds.name)
    ) {
      // Like Pulumi's autonaming: a name, once given, is kept until the resource is replaced (the
      // engine checks a replacement again without olds). A URN change (alias, re-parent, stack or
      // project rename) must not rename the collection in the account.
      inputs.name = olds.name;
    } else if (
      typeof urn === "string" &&
      urn !== "" &&
      !isUnknown(urn) &&
      !isUnknown(scope) &&
      !isUnknown(news.callbackUrl) &&
      // the name digests callbackUrl as canonical JSON: only once it is known to be a plain value
      (news.callbackUrl === undefined || news.callbackUrl === null || typeof news.callbackUrl === "string")
    ) {
      const replaceInputs: Record<string, unknown> = {};
      for (const p of REPLACE_PROPERTIES) replaceInputs[p] = news[p] ?? null;
      if (generation > 0) replaceInputs.__generation = generation;
      inputs.name = deriveAutoName(
        { urn, scope: typeof scope === "string" ? scope : undefined },
        replaceInputs,
      );
    } else {
      inputs.name = UNKNOWN;
    }
    inputs.autoNamed = true;
  } else if (!isUnknown(name)) {
    failAll(nameProblems(name));
  }

  const callbackUrl = news.callbackUrl;
  if (callbackUrl !== undefined && callbackUrl !== null && !isUnknown(callbackUrl)) {
    failAll(callbackUrlProblems(callbackUrl));
  }

  // A callbackUrl change replaces the collection, and the old one stays in the account under the
  // same explicit name: the replacement's adoption by name would take the old collection back,
  // with the old callback. Refuse it here instead of doing the wrong thing at `up`.
  if (
    news.adoptExisting === true &&
    typeof name === "string" &&
    olds.name === name &&
    olds.__urn !== undefined &&
    (olds.callbackUrl ?? null) !== (callbackUrl ?? null) &&
    !isUnknown(callbackUrl)
  ) {
    fail(
      "callbackUrl",
      "cannot change on an explicitly named collection with adoptExisting: the replacement would adopt the " +
        "old collection (same name, old callback) again; give it a new name or drop adoptExisting",
      "conflict",
    );
  }

  for (const flag of ["adoptExisting"] as const) {
    const v = news[flag];
    if (v !== undefined && !isUnknown(v) && typeof v !== "boolean")
      fail(flag, "must be true or false", "invalid_type");
  }
  const adoptId = news.adoptId;
  if (
    adoptId !== undefined &&
    !isUnknown(adoptId) &&
    (typeof adoptId !== "string" || adoptId.trim() === "")
  ) {
    fail(
      "adoptId",
      "must be a non-empty collection id",
      typeof adoptId === "string" ? "empty" : "invalid_type",
    );
  }

  const secrets = news[SECRET_INPUTS];
  if (
    secrets !== undefined &&
    !isUnknown(secrets) &&
    (!Array.isArray(secrets) || secrets.some((n) => typeof n !== "string"))
  ) {
    fail(
      SECRET_INPUTS,
      "must be the list of the names of the secret inputs, as the Collection class passes it",
      "invalid_type",
    );
  } else if (adoptId !== undefined && secretInputsOf(news).has("adoptId")) {
    // The adopted id becomes the resource's id, which the engine stores and shows in plain text.
    fail(
      "adoptId",
      "is a secret, but it becomes this resource's id, which Pulumi stores and shows in plain text (a " +
        "resource id cannot be secret): pass the collection id as a plain value (an id grants nothing " +
        "without the API key)",
      "secret_id",
    );
  }

  const roc = news.__replaceOnChanges;
  if (
    roc !== undefined &&
    !isUnknown(roc) &&
    (!Array.isArray(roc) || roc.some((p) => typeof p !== "string"))
  ) {
    fail(
      "__replaceOnChanges",
      "must be the list of property paths of the replaceOnChanges option",
      "invalid_type",
    );
  } else if (Array.isArray(roc)) {
    (roc as string[]).forEach((path, i) => {
      try {
        parsePropertyPath(path);
      } catch {
        fail(
          `replaceOnChanges[${i}]`,
          'is not a valid property path: use a path such as "requests" or "requests[*].url"',
          "invalid_path",
        );
      }
    });
  }

  const requests = news.requests;
  if (requests === undefined || requests === null) {
    fail("requests", "is required (use [] for an empty collection)", "required");
  } else if (!isUnknown(requests)) {
    failAll(requestsProblems(requests));
  }

  return { inputs, failures };
}
