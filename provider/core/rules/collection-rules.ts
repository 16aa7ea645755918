/**
 * The rules of a collection's declaration, in one place: the provider's `check`, the file loader of
 * `CollectionSet`, the `validate` CLI and the JSON Schema of a collection file all come from here,
 * so they cannot drift apart. The shapes are zod schemas; what zod cannot say (the URL rules with
 * the API's reason codes, values JSON cannot carry, depth and size bounds, duplicate
 * `(url, custom_id)` pairs) is a refinement that calls `url-rules.ts` or {@link jsonValueProblems}.
 * Messages name the problem, never the value. Pure.
 */
import { z } from "zod";
import { checkRequestUrl, parseWebUrl, requestKey, requestUrlWarning, type UrlReason } from "./url-rules";

/** Pulumi's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Longest `custom_id` the API takes, in characters (UTF-16 code units, as JavaScript counts). */
export const MAX_CUSTOM_ID = 255;
/** Longest collection name the API takes, in characters. */
export const MAX_NAME = 255;

/** The fields a collection file may hold (`$schema` is the editor's schema line, ignored). */
export const COLLECTION_FILE_FIELDS = ["name", "callbackUrl", "requests"] as const;

/**
 * How deeply lists and objects may nest in one request, counting the request itself as level 1.
 * The API's limit is not documented; a JSON parser with a recursion limit (Python's is 1,000)
 * fails far below the depths that crash a recursive serializer, and no request we know of nests
 * more than a few levels.
 */
export const MAX_DEPTH = 64;
/**
 * Largest request, as UTF-8 JSON, in bytes (1 MiB). The API's body limit is not documented; a
 * scrape request is a URL and a few options, so a request this large is a mistake (a file's
 * content pasted in), and it fails at preview instead of at the API.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/**
 * Largest request list, as UTF-8 JSON, in bytes (32 MiB, the request limit of common hosting
 * platforms; 50,000 short requests are about 5 MB).
 */
export const MAX_REQUESTS_BYTES = 32 * 1024 * 1024;

/**
 * A stable code for each kind of problem: the API's URL reasons (`invalid_protocol`,
 * `malformed_url`, `private_ip`, `blocked_hostname`, `invalid_port`), the shape rules, and what
 * JSON cannot carry (`not_finite`, `not_json`, `invalid_unicode`, `too_deep`, `too_large`).
 */
export type RuleCode =
  | UrlReason
  | "required"
  | "invalid_type"
  | "empty"
  | "too_long"
  | "unknown_field"
  | "duplicate_request"
  | "not_finite"
  | "not_json"
  | "invalid_unicode"
  | "too_deep"
  | "too_large";

/** One problem found by the rules. */
export interface RuleProblem {
  /** Property path in the declaration, e.g. `requests[2].url` (empty for the whole value). */
  path: string;
  /** The same path as keys and indices, e.g. `["requests", 2, "url"]`, for positions in a file. */
  segments: (string | number)[];
  /** Why, in words, e.g. `must use http or https (invalid_protocol)`; never the value. */
  message: string;
  /** The kind of problem. */
  code: RuleCode;
}

/** How the schemas treat Pulumi's unknown marker: `check` at preview accepts it anywhere. */
interface Mode {
  unknowns: boolean;
}

const isUnknown = (v: unknown): boolean => v === UNKNOWN;
/** Issues keep their input, which tells "is required" (null, absent) from a wrong type. */
const PARSE = { reportInput: true } as const;

/** `schema`, or (in check mode) the unknown marker, which no rule can judge yet. */
function known<T extends z.ZodType>(schema: T, mode: Mode): T {
  if (!mode.unknowns) return schema;
  // typed as `schema` for the file's type; in check mode only the issues are used
  return z.any().superRefine((v, ctx) => {
    if (isUnknown(v)) return;
    const r = schema.safeParse(v, PARSE);
    // each issue keeps its own input, which tells "is required" (absent, null) from a wrong type
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue } as never);
  }) as unknown as T;
}

const typeError = (message: string, requiredMessage = message) => ({
  error: (iss: { input?: unknown }) =>
    iss.input === undefined || iss.input === null ? requiredMessage : message,
});

/** A custom issue: its message, and its code in `params` (zod keeps `params` of custom issues). */
const issue = (message: string, code: RuleCode) => ({ message, params: { code } });

/** An action of a request: an object with a non-empty `type`; other fields pass through. */
function actionRules(mode: Mode) {
  return known(
    z
      .looseObject(
        {
          type: z
            .string(typeError('is required, e.g. "wait-for-timeout"'))
            .min(1, 'is required, e.g. "wait-for-timeout"')
            .meta({
              description: 'The action\'s type, e.g. "wait-for-timeout". Unknown types pass through.',
            }),
        },
        typeError("must be an object with a type"),
      )
      .meta({ description: 'A browser action, e.g. { type: "wait-for-timeout", time: 3000 }.' }),
    mode,
  );
}

/** One scrape request: the API's own field names; unknown fields pass through to the API. */
function requestRules(mode: Mode) {
  return known(
    z
      .looseObject(
        {
          url: z
            .string(typeError("must be a string", "is required"))
            .superRefine((url, ctx) => {
              if (mode.unknowns && isUnknown(url)) return;
              const p = checkRequestUrl(url);
              if (p) ctx.addIssue({ code: "custom", ...issue(`${p.message} (${p.reason})`, p.reason) });
            })
            .meta({
              description: "Absolute http(s) URL to scrape (no private, loopback or internal hosts).",
            }),
          custom_id: z
            .string(typeError("must be a string"))
            .max(MAX_CUSTOM_ID, {
              error: (iss) => `must be at most ${MAX_CUSTOM_ID} characters (got ${String(iss.input).length})`,
            })
            .optional()
            .meta({ description: `Your own id for the request, at most ${MAX_CUSTOM_ID} characters.` }),
          browser: known(z.boolean(typeError("must be true or false")), mode)
            .optional()
            .meta({ description: "Render the page in a browser." }),
          screenshot: known(z.boolean(typeError("must be true or false")), mode)
            .optional()
            .meta({ description: "Take a screenshot." }),
          use_proxy: z
            .string(typeError('must be a string such as "any"'))
            .optional()
            .meta({ description: 'Proxy selection, e.g. "any".' }),
          actions: known(z.array(actionRules(mode), typeError("must be a list of action objects")), mode)
            .optional()
            .meta({ description: "Browser actions, in order." }),
        },
        typeError("must be an object with at least a url"),
      )
      .meta({ description: "One scrape request, in the API's field names; other fields pass through." }),
    mode,
  );
}

/** The request list: every request valid, and no two with the same `(url, custom_id)`. */
function requestsRules(mode: Mode) {
  return z
    .array(
      requestRules(mode),
      typeError("must be a list of request objects", "is required (use [] for an empty collection)"),
    )
    .superRefine(
      (requests, ctx) => {
        for (const p of jsonValueProblems(requests)) {
          ctx.addIssue({ code: "custom", path: p.segments, ...issue(p.message, p.code) });
        }
      },
      { when: (payload) => Array.isArray(payload.value) },
    )
    .superRefine(
      (requests, ctx) => {
        // The API keeps the first of several requests with the same (url, custom_id) and drops the
        // rest; failing here keeps the declared list and the stored list the same.
        const seen = new Map<string, number>();
        requests.forEach((req, i) => {
          if (typeof req !== "object" || req === null || Array.isArray(req)) return;
          const { url, custom_id: customId } = req as Record<string, unknown>;
          if (typeof url !== "string" || isUnknown(url) || checkRequestUrl(url)) return;
          if (customId !== undefined && (typeof customId !== "string" || isUnknown(customId))) return;
          if (typeof customId === "string" && customId.length > MAX_CUSTOM_ID) return;
          const key = requestKey(url, customId as string | undefined);
          const first = seen.get(key);
          if (first !== undefined) {
            ctx.addIssue({
              code: "custom",
              path: [i],
              ...issue(
                `duplicates requests[${first}] (same url and custom_id); the API would drop it: remove it or give it a different custom_id`,
                "duplicate_request",
              ),
            });
          } else seen.set(key, i);
        });
        // a bad request elsewhere in the list must not hide a duplicate
      },
      { when: (payload) => Array.isArray(payload.value) },
    );
}

/** One value {@link jsonValueProblems} refuses, relative to the value it was given. */
export interface ValueProblem {
  /** Keys and indices from the given value down to the bad one, e.g. `[2, "actions", 0, "time"]`. */
  segments: (string | number)[];
  /** Why, in words; never the value. */
  message: string;
  /** `not_finite`, `not_json`, `invalid_unicode`, `too_deep` or `too_large`. */
  code: RuleCode;
}

/** How many value problems are reported at most: one bad value repeated a million times is one mistake. */
const MAX_VALUE_PROBLEMS = 100;

/** A list or object being walked, with the key it sits under in its parent. */
interface Frame {
  container: object;
  keys: readonly (string | number)[] | number;
  next: number;
  segment: string | number;
  depth: number;
}

/**
 * What JSON, and so the API, cannot carry in a request list, at any depth and in fields this
 * package does not know: NaN and ±Infinity, `undefined` and holes in lists, functions, symbols,
 * bigints, objects other than plain objects and lists (a `Date`, a `Map`), cycles, lone UTF-16
 * surrogates in strings and keys; and requests nested deeper than {@link MAX_DEPTH} or larger than
 * {@link MAX_REQUEST_BYTES} (the list: {@link MAX_REQUESTS_BYTES}). Iterative, and it stops at the
 * bounds, so no input can exhaust the stack or run for long. `-0` passes (JSON carries it as 0);
 * `undefined` object members pass (JSON leaves them out, as for a field not given).
 */
export function jsonValueProblems(requests: readonly unknown[]): ValueProblem[] {
  const out: ValueProblem[] = [];
  let total = 2;
  for (let i = 0; i < requests.length && out.length < MAX_VALUE_PROBLEMS; i++) {
    const r = walkRequest(requests, i, out);
    total += r.bytes + 1;
    if (r.stopped || total > MAX_REQUESTS_BYTES) {
      if (total > MAX_REQUESTS_BYTES) {
        out.push({
          segments: [],
          message: `is more than ${MAX_REQUESTS_BYTES / 1024 / 1024} MiB as JSON; split it into several collections`,
          code: "too_large",
        });
      }
      break;
    }
  }
  return out;
}

/** Walks `list[index]`, adding its problems to `out`; returns its size as JSON (estimated). */
function walkRequest(
  list: readonly unknown[],
  index: number,
  out: ValueProblem[],
): { bytes: number; stopped: boolean } {
  const stack: Frame[] = [];
  // the containers on the current path: meeting one again is a cycle
  const open = new Set<object>();
  let bytes = 0;
  const report = (segment: string | number, message: string, code: RuleCode): void => {
    out.push({ segments: [...stack.map((f) => f.segment), segment], message, code });
  };
  const tooLarge = (): { bytes: number; stopped: boolean } => {
    out.push({
      segments: [index],
      message: `is more than ${MAX_REQUEST_BYTES / 1024 / 1024} MiB as JSON, far more than a scrape request needs`,
      code: "too_large",
    });
    return { bytes, stopped: false };
  };
  const visit = (value: unknown, segment: string | number, depth: number, inList: boolean): void => {
    switch (typeof value) {
      case "string":
        bytes += Buffer.byteLength(value, "utf8") + 2;
        if (/\p{Cs}/u.test(value)) {
          report(
            segment,
            "contains an unpaired UTF-16 surrogate, which is not valid Unicode",
            "invalid_unicode",
          );
        }
        return;
      case "number":
        bytes += String(value).length;
        if (!Number.isFinite(value)) {
          report(segment, `is ${String(value)}, which JSON cannot carry: use a finite number`, "not_finite");
        }
        return;
      case "boolean":
        bytes += 5;
        return;
      case "undefined":
        bytes += 4;
        // an undefined object member is a field not given (not visited); in a list it turns into null
        if (inList)
          report(
            segment,
            "is undefined, which JSON cannot carry in a list: remove it or use null",
            "not_json",
          );
        return;
      case "bigint":
        report(segment, "is a bigint, which JSON cannot carry: use a number or a string", "not_json");
        return;
      case "function":
      case "symbol":
        report(segment, `is a ${typeof value}, which JSON cannot carry`, "not_json");
        return;
      default:
        break;
    }
    if (value === null) {
      bytes += 4;
      return;
    }
    const obj = value as object;
    if (open.has(obj)) {
      report(segment, "contains itself (a cycle), which JSON cannot carry", "not_json");
    } else if (depth > MAX_DEPTH) {
      // not walked into; the rest of the request is still checked
      report(
        segment,
        `nests lists and objects more than ${MAX_DEPTH} levels deep in one request`,
        "too_deep",
      );
    } else if (Array.isArray(obj) || isPlainObject(obj)) {
      bytes += 2;
      const keys = Array.isArray(obj) ? obj.length : Object.keys(obj);
      stack.push({ container: obj, keys, next: 0, segment, depth });
      open.add(obj);
    } else if (obj instanceof Date) {
      report(
        segment,
        "is a Date, which JSON cannot carry as it is: use its toISOString() or a number",
        "not_json",
      );
    } else {
      const name = typeof obj.constructor?.name === "string" ? obj.constructor.name.slice(0, 40) : "";
      report(
        segment,
        `is ${name ? `a ${name}` : "an"} object, which JSON cannot carry as it is: use a plain object or a list`,
        "not_json",
      );
    }
  };

  visit(list[index], index, 1, true);
  while (stack.length > 0) {
    if (out.length >= MAX_VALUE_PROBLEMS) return { bytes, stopped: true };
    if (bytes > MAX_REQUEST_BYTES) return tooLarge();
    const top = stack[stack.length - 1] as Frame;
    const length = typeof top.keys === "number" ? top.keys : top.keys.length;
    if (top.next >= length) {
      stack.pop();
      open.delete(top.container);
      continue;
    }
    const at = top.next++;
    if (at > 0) bytes += 1;
    if (typeof top.keys === "number") {
      const arr = top.container as unknown[];
      if (at in arr) visit(arr[at], at, top.depth + 1, true);
      else {
        bytes += 4;
        report(at, "is a hole in a sparse list, which JSON cannot carry: fill it or remove it", "not_json");
      }
      continue;
    }
    const key = top.keys[at] as string;
    const member = (top.container as Record<string, unknown>)[key];
    if (member === undefined) continue;
    bytes += Buffer.byteLength(key, "utf8") + 3;
    if (/\p{Cs}/u.test(key)) {
      report(
        key,
        "is a field name with an unpaired UTF-16 surrogate, which is not valid Unicode",
        "invalid_unicode",
      );
    } else visit(member, key, top.depth + 1, false);
  }
  return bytes > MAX_REQUEST_BYTES ? tooLarge() : { bytes, stopped: false };
}

/**
 * The path to the first list or object of `value` nested more than `max` levels deep (`value`
 * itself is level 1), or undefined. Only plain objects and lists are walked: a Pulumi `Output` or a
 * `Promise` is not looked into. Iterative. The SDK uses it before registering a resource, because
 * the Pulumi SDK's own serializer recurses and overflows the stack on such a value.
 */
export function firstTooDeep(value: unknown, max: number): (string | number)[] | undefined {
  const pending: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (pending.length > 0) {
    const { value: v, path } = pending.pop() as { value: unknown; path: (string | number)[] };
    if (typeof v !== "object" || v === null) continue;
    const isList = Array.isArray(v);
    if (!isList && !isPlainObject(v)) continue;
    // a cycle is infinitely deep, so it ends here too
    if (path.length >= max) return path;
    if (isList) for (let i = v.length - 1; i >= 0; i--) pending.push({ value: v[i], path: [...path, i] });
    else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        pending.push({ value: (v as Record<string, unknown>)[k], path: [...path, k] });
      }
    }
  }
  return undefined;
}

/** A plain object (also from another realm, or `Object.create(null)`), not a class instance. */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

/** A collection's explicit name: a non-blank string of at most {@link MAX_NAME} characters. */
const nameRules = z
  .string(typeError("must be a string"))
  .regex(/\S/, "must not be empty")
  .max(MAX_NAME, {
    error: (iss) => `must be at most ${MAX_NAME} characters (got ${String(iss.input).length})`,
  })
  .meta({
    description:
      "The collection's name in ScrapingPros. Without it the provider derives one from the logical name (different per stack).",
  });

/** A webhook URL: absolute, http or https, with the raw-string rules of request URLs. */
const callbackUrlRules = z
  .string(typeError("must be a string"))
  .superRefine((raw, ctx) => {
    const parsed = parseWebUrl(raw);
    if ("problem" in parsed) {
      const p = parsed.problem;
      ctx.addIssue({ code: "custom", ...issue(`${p.message} (${p.reason})`, p.reason) });
    }
  })
  .meta({
    description:
      "Webhook URL called when a run completes. A change replaces the collection (the old one stays in the account).",
  });

const FILE_MODE: Mode = { unknowns: false };
const CHECK_MODE: Mode = { unknowns: true };

/**
 * The shape of one collection file (YAML or JSON): `requests` (required), `name` and
 * `callbackUrl` (optional), and `$schema` (the editor's schema reference, ignored). Any other
 * field is an error. This is the source of `schema/collection.json`.
 *
 * @internal A zod schema: the public type is {@link CollectionFile} (the package's declarations do
 * not depend on zod's, which need `esModuleInterop`).
 */
export const CollectionFileSchema = z
  .strictObject(
    {
      $schema: z
        .string()
        .optional()
        .meta({ description: "The JSON Schema of this file, for editors. Ignored." }),
      name: nameRules.optional(),
      callbackUrl: callbackUrlRules.optional(),
      requests: requestsRules(FILE_MODE).meta({
        description: "The scrape requests, in the API's own field names. Use [] for an empty collection.",
      }),
    },
    typeError("must be a mapping with at least requests"),
  )
  .meta({
    title: "ScrapingPros collection",
    description: "One ScrapingPros collection, as a file of a pulumi-scrapingpros CollectionSet.",
  });

/**
 * The shape of one stage's overlay file: the fields it changes, each optional; `null` removes
 * `name` or `callbackUrl` from the base file (JSON Merge Patch). A stage-only collection (an overlay
 * file with no base file) must be a whole collection file: the loader checks that.
 *
 * @internal A zod schema, like {@link CollectionFileSchema}.
 */
export const CollectionOverlaySchema = z
  .strictObject(
    {
      $schema: z
        .string()
        .optional()
        .meta({ description: "The JSON Schema of this file, for editors. Ignored." }),
      name: nameRules.nullable().optional(),
      callbackUrl: callbackUrlRules.nullable().optional(),
      requests: requestsRules(FILE_MODE)
        .optional()
        .meta({ description: "This stage's requests: the whole list, replacing the base file's." }),
    },
    typeError("must be a mapping of the fields it changes"),
  )
  .meta({
    title: "ScrapingPros collection overlay",
    description: "The fields one stage changes in the collection file of the same name (JSON Merge Patch).",
  });

/**
 * The JSON Schemas (draft 2020-12) of a collection file and of an overlay file, generated from
 * the zod shapes above. They judge shapes only: the URL rules and duplicate requests are the
 * validator's (an editor accepts `ftp://x` as a string; `validate` and `check` do not).
 */
export function collectionJsonSchemas(): {
  collection: Record<string, unknown>;
  overlay: Record<string, unknown>;
} {
  return {
    collection: z.toJSONSchema(CollectionFileSchema, { io: "input", target: "draft-2020-12" }) as Record<
      string,
      unknown
    >,
    overlay: z.toJSONSchema(CollectionOverlaySchema, { io: "input", target: "draft-2020-12" }) as Record<
      string,
      unknown
    >,
  };
}

/** A browser action of a request in a collection file; fields other than `type` pass through. */
export interface CollectionFileAction {
  /** The action's type, e.g. `"wait-for-timeout"`; unknown types pass through to the API. */
  type: string;
  /** The action's other fields, e.g. `time: 3000` (milliseconds), as the API takes them. */
  [field: string]: unknown;
}

/** One scrape request of a collection file, in the API's own field names. */
export interface CollectionFileRequest {
  /** The page to scrape: an absolute http or https URL the API accepts (see the URL rules). */
  url: string;
  /** Your id for the request, at most 255 characters; `(url, custom_id)` is unique in a collection. */
  custom_id?: string;
  /** Render the page in a browser. */
  browser?: boolean;
  /** Take a screenshot. */
  screenshot?: boolean;
  /** The proxy to use, e.g. `"any"`. */
  use_proxy?: string;
  /** Browser actions run before the page is captured. */
  actions?: CollectionFileAction[];
  /** Fields this package does not know pass through to the API unchanged. */
  [field: string]: unknown;
}

/** What a valid collection file holds (the shape the zod schema `CollectionFileSchema` parses to). */
export interface CollectionFile {
  /** The editor's JSON Schema reference; ignored. */
  $schema?: string;
  /** The collection's name in ScrapingPros; derived from the logical name when absent. */
  name?: string;
  /** The webhook URL called when a run completes; a change replaces the collection. */
  callbackUrl?: string;
  /** The scrape requests. */
  requests: CollectionFileRequest[];
}

// The interface above is what the schema parses to: a change to one without the other fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const collectionFileMatchesSchema: Same<
  Omit<z.infer<typeof CollectionFileSchema>, "requests">,
  Omit<CollectionFile, "requests">
> = true;
void collectionFileMatchesSchema;

const checkRequestsSchema = requestsRules(CHECK_MODE);

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/**
 * Renders key/index segments as a property path in Pulumi's syntax: `["requests", 2, "url"]` →
 * `requests[2].url`; a key that is not a plain name is quoted, `requests[0]["wait ms"]`.
 */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (typeof s === "string" && PLAIN_KEY.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}

/** zod's issues as problems: the first per property (like an if/else chain), unknown keys one each. */
function toProblems(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[]): RuleProblem[] {
  const out: RuleProblem[] = [];
  const seen = new Set<string>();
  const push = (segments: (string | number)[], message: string, code: RuleCode) => {
    const path = formatPath(segments);
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, segments, message, code });
  };
  for (const i of issues) {
    const segments = [...prefix, ...(i.path as (string | number)[])];
    if (i.code === "unrecognized_keys") {
      for (const key of i.keys) {
        push(
          [...segments, key],
          `is not a field of a collection (expected ${COLLECTION_FILE_FIELDS.join(", ")})`,
          "unknown_field",
        );
      }
      continue;
    }
    push(segments, i.message, codeOf(i));
  }
  return out;
}

/** The problem's code: a custom issue carries its own; zod's own issues map by their kind. */
function codeOf(i: z.core.$ZodIssue): RuleCode {
  if (i.code === "custom")
    return ((i.params as { code?: RuleCode } | undefined)?.code ?? "invalid_type") as RuleCode;
  if (i.code === "too_big") return "too_long";
  if (i.code === "invalid_format") return "empty";
  if (i.code === "too_small") return "required";
  return i.input === undefined || i.input === null ? "required" : "invalid_type";
}

/** Checks one collection file's parsed content. Returns no problems when it is valid. */
export function collectionFileProblems(value: unknown): RuleProblem[] {
  const r = CollectionFileSchema.safeParse(value, PARSE);
  return r.success ? [] : toProblems(r.error.issues, []);
}

/** Checks an explicit collection name (as `check` does for the `name` input). */
export function nameProblems(name: unknown): RuleProblem[] {
  const r = nameRules.safeParse(name, PARSE);
  return r.success ? [] : toProblems(r.error.issues, ["name"]);
}

/** Checks a callback URL (as `check` does for the `callbackUrl` input). */
export function callbackUrlProblems(url: unknown): RuleProblem[] {
  const r = callbackUrlRules.safeParse(url, PARSE);
  return r.success ? [] : toProblems(r.error.issues, ["callbackUrl"]);
}

/**
 * Checks a request list as `check` sees it at preview: any value may be Pulumi's unknown marker,
 * which passes. Returns no problems when nothing is wrong that can be seen yet.
 */
export function requestsProblems(requests: unknown): RuleProblem[] {
  const r = checkRequestsSchema.safeParse(requests, PARSE);
  return r.success ? [] : toProblems(r.error.issues, ["requests"]);
}

/**
 * Warnings about a request list: URLs the API may refuse though it does not say it does (a port
 * outside `WEB_PORTS`, see `url-rules.ts`). They do not fail `check`; the provider shows them at
 * preview. Each names the property path, never the value.
 */
export function requestsWarnings(requests: unknown): RuleProblem[] {
  if (!Array.isArray(requests)) return [];
  const out: RuleProblem[] = [];
  requests.forEach((req, i) => {
    if (typeof req !== "object" || req === null || Array.isArray(req)) return;
    const url = (req as Record<string, unknown>).url;
    if (typeof url !== "string" || isUnknown(url)) return;
    const warning = requestUrlWarning(url);
    if (warning === undefined) return;
    const segments = ["requests", i, "url"];
    out.push({ path: formatPath(segments), segments, message: `${warning}`, code: "invalid_port" });
  });
  return out;
}
