/**
 * The rules of a collection's declaration, in one place: the provider's `check`, the file loader of
 * `CollectionSet`, the `validate` CLI and the JSON Schema of a collection file all come from here,
 * so they cannot drift apart. The shapes are zod schemas; what zod cannot say (the URL rules with
 * the API's reason codes, duplicate `(url, custom_id)` pairs) is a refinement that calls
 * `url-rules.ts`. Pure.
 */
import { z } from "zod";
import { checkRequestUrl, type UrlProblem } from "./url-rules";

/** Pulumi's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Longest `custom_id` the API takes, in characters (UTF-16 code units, as JavaScript counts). */
export const MAX_CUSTOM_ID = 255;
/** Longest collection name the API takes, in characters. */
export const MAX_NAME = 255;

/** The fields a collection file may hold (`$schema` is the editor's schema line, ignored). */
export const COLLECTION_FILE_FIELDS = ["name", "callbackUrl", "requests"] as const;

/**
 * A stable code for each kind of problem: the API's URL reasons (`invalid_protocol`,
 * `malformed_url`, `private_ip`, `blocked_hostname`) and the shape rules.
 */
export type RuleCode =
  | UrlProblem["reason"]
  | "required"
  | "invalid_type"
  | "empty"
  | "too_long"
  | "unknown_field"
  | "duplicate_request";

/** One problem found by the rules. */
export interface RuleProblem {
  /** Property path in the declaration, e.g. `requests[2].url` (empty for the whole value). */
  path: string;
  /** The same path as keys and indices, e.g. `["requests", 2, "url"]`, for positions in a file. */
  segments: (string | number)[];
  /** Why, in words, e.g. `must use http or https, not ftp (invalid_protocol)`. */
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
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, input: v } as never);
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
        // The API keeps the first of several requests with the same (url, custom_id) and drops the
        // rest; failing here keeps the declared list and the stored list the same.
        const seen = new Map<string, number>();
        requests.forEach((req, i) => {
          if (typeof req !== "object" || req === null || Array.isArray(req)) return;
          const { url, custom_id: customId } = req as Record<string, unknown>;
          if (typeof url !== "string" || isUnknown(url) || checkRequestUrl(url)) return;
          if (customId !== undefined && (typeof customId !== "string" || isUnknown(customId))) return;
          if (typeof customId === "string" && customId.length > MAX_CUSTOM_ID) return;
          const key = customId === undefined ? `\u0001${url}` : `${url}\u0000${customId}`;
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

/** A webhook URL: absolute, http or https. */
const callbackUrlRules = z
  .string(typeError("must be a string"))
  .superRefine((raw, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      ctx.addIssue({ code: "custom", ...issue("is not an absolute URL", "malformed_url") });
      return;
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      ctx.addIssue({
        code: "custom",
        ...issue(`must use http or https, not ${parsed.protocol.slice(0, -1)}`, "invalid_protocol"),
      });
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

/** Renders key/index segments as a property path: `["requests", 2, "url"]` → `requests[2].url`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += out === "" ? String(s) : `.${String(s)}`;
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
