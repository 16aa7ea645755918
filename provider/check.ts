/**
 * `check`: validates a Collection's inputs before any API call and fills in the derived name.
 * Each failure names the property path (`requests[3].url`) and the reason. Pure.
 */
import { parsePropertyPath } from "./diff";
import { deriveAutoName } from "./idempotency";
import { INTERNAL_INPUTS, REPLACE_PROPERTIES } from "./inputs";
import { unknownPropertyReason } from "./near-miss";
import { checkRequestUrl } from "./url-rules";

/** One problem with an input, as the engine reports it. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Pulumi's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const TOP_LEVEL = new Set([
  "name",
  "requests",
  "callbackUrl",
  "adoptExisting",
  "adoptId",
  ...INTERNAL_INPUTS,
]);
const MAX_CUSTOM_ID = 255;

const isUnknown = (v: unknown): boolean => v === UNKNOWN;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

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
): {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
} {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });

  for (const key of Object.keys(news)) {
    if (!TOP_LEVEL.has(key) && key !== "autoNamed") fail(key, unknownPropertyReason(key));
  }

  const inputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(news)) if (TOP_LEVEL.has(k) && v !== undefined) inputs[k] = v;

  const urn = news.__urn;
  if (typeof urn !== "string" || (urn === "" && !isUnknown(urn))) {
    fail("__urn", "is missing: create collections through the Collection class of pulumi-scrapingpros");
  }

  const oldGeneration = typeof olds.__generation === "number" ? olds.__generation : 0;
  const generation = replacing ? replacing.generation + 1 : oldGeneration;
  if (generation > 0) inputs.__generation = generation;

  const scope = news.__scope;
  if (scope !== undefined && !isUnknown(scope) && (typeof scope !== "string" || scope === "")) {
    fail("__scope", "must be the id of the stack's StackScope");
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
      !isUnknown(news.callbackUrl)
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
    if (typeof name !== "string") fail("name", "must be a string");
    else if (name.trim().length === 0) fail("name", "must not be empty");
    else if (name.length > 255) fail("name", `must be at most 255 characters (got ${name.length})`);
  }

  const callbackUrl = news.callbackUrl;
  if (callbackUrl !== undefined && callbackUrl !== null && !isUnknown(callbackUrl)) {
    if (typeof callbackUrl !== "string") fail("callbackUrl", "must be a string");
    else {
      let parsed: URL | undefined;
      try {
        parsed = new URL(callbackUrl);
      } catch {
        fail("callbackUrl", "is not an absolute URL");
      }
      if (parsed && parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        fail("callbackUrl", `must use http or https, not ${parsed.protocol.slice(0, -1)}`);
      }
    }
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
    );
  }

  for (const flag of ["adoptExisting"] as const) {
    const v = news[flag];
    if (v !== undefined && !isUnknown(v) && typeof v !== "boolean") fail(flag, "must be true or false");
  }
  const adoptId = news.adoptId;
  if (
    adoptId !== undefined &&
    !isUnknown(adoptId) &&
    (typeof adoptId !== "string" || adoptId.trim() === "")
  ) {
    fail("adoptId", "must be a non-empty collection id");
  }

  const roc = news.__replaceOnChanges;
  if (
    roc !== undefined &&
    !isUnknown(roc) &&
    (!Array.isArray(roc) || roc.some((p) => typeof p !== "string"))
  ) {
    fail("__replaceOnChanges", "must be the list of property paths of the replaceOnChanges option");
  } else if (Array.isArray(roc)) {
    for (const path of roc as string[]) {
      try {
        parsePropertyPath(path);
      } catch (e) {
        fail(
          "replaceOnChanges",
          `${(e as Error).message}: use a path such as "requests" or "requests[*].url"`,
        );
      }
    }
  }

  const requests = news.requests;
  if (requests === undefined || requests === null) {
    fail("requests", "is required (use [] for an empty collection)");
  } else if (!isUnknown(requests)) {
    if (!Array.isArray(requests)) fail("requests", "must be a list of request objects");
    else checkRequests(requests, fail);
  }

  return { inputs, failures };
}

function checkRequests(requests: unknown[], fail: (property: string, reason: string) => void): void {
  const seen = new Map<string, number>();
  requests.forEach((req, i) => {
    const at = `requests[${i}]`;
    if (isUnknown(req)) return;
    if (!isPlainObject(req)) {
      fail(at, "must be an object with at least a url");
      return;
    }
    const url = req.url;
    let urlOk = false;
    if (url === undefined || url === null) fail(`${at}.url`, "is required");
    else if (isUnknown(url)) urlOk = false;
    else if (typeof url !== "string") fail(`${at}.url`, "must be a string");
    else {
      const problem = checkRequestUrl(url);
      if (problem) fail(`${at}.url`, `${problem.message} (${problem.reason})`);
      else urlOk = true;
    }

    const customId = req.custom_id;
    let customOk = true;
    if (customId !== undefined && !isUnknown(customId)) {
      if (typeof customId !== "string") {
        fail(`${at}.custom_id`, "must be a string");
        customOk = false;
      } else if (customId.length > MAX_CUSTOM_ID) {
        fail(`${at}.custom_id`, `must be at most ${MAX_CUSTOM_ID} characters (got ${customId.length})`);
        customOk = false;
      }
    }
    if (isUnknown(customId)) customOk = false;

    for (const flag of ["browser", "screenshot"] as const) {
      const v = req[flag];
      if (v !== undefined && !isUnknown(v) && typeof v !== "boolean")
        fail(`${at}.${flag}`, "must be true or false");
    }
    if (req.use_proxy !== undefined && !isUnknown(req.use_proxy) && typeof req.use_proxy !== "string") {
      fail(`${at}.use_proxy`, 'must be a string such as "any"');
    }
    const actions = req.actions;
    if (actions !== undefined && !isUnknown(actions)) {
      if (!Array.isArray(actions)) fail(`${at}.actions`, "must be a list of action objects");
      else {
        actions.forEach((action, j) => {
          if (isUnknown(action)) return;
          if (!isPlainObject(action)) fail(`${at}.actions[${j}]`, "must be an object with a type");
          else if (typeof action.type !== "string" || action.type === "") {
            fail(`${at}.actions[${j}].type`, 'is required, e.g. "wait-for-timeout"');
          }
        });
      }
    }

    // The API keeps the first of several requests with the same (url, custom_id) and drops the
    // rest; failing here keeps the declared list and the stored list the same.
    if (urlOk && customOk) {
      const key = customId === undefined ? `\u0001${url}` : `${url}\u0000${customId}`;
      const first = seen.get(key);
      if (first !== undefined) {
        fail(
          at,
          `duplicates requests[${first}] (same url and custom_id); the API would drop it: remove it or give it a different custom_id`,
        );
      } else seen.set(key, i);
    }
  });
}
