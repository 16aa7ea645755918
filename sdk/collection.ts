import * as pulumi from "@pulumi/pulumi";
import type { Integer } from "../provider/core/results";
import { firstTooDeep, formatPath, MAX_DEPTH } from "../provider/core/rules/collection-rules";
import { parseDurationMs } from "./duration";
import { secretInputNames } from "./secret-inputs";
import { stackScope } from "./stack-scope";
import { plainStackTraces } from "./stack-traces";

export type { Integer };

/**
 * A browser action of a request, e.g. `{ type: "wait-for-timeout", time: 5000 }` (API notes §3).
 * Fields beyond these, and action types the package does not know, pass through unchanged.
 */
export interface BrowserActionArgs {
  /** The action, e.g. `"wait-for-timeout"`, `"click"`; its other fields depend on it. */
  type: pulumi.Input<string>;
  /** For `"wait-for-timeout"`: how long to wait, in milliseconds (API notes §3). */
  time?: pulumi.Input<Integer>;
  /** Any other field of the action. */
  [key: string]: unknown;
}

/**
 * One scrape request of a collection, in the API's own field names (they are sent as written).
 * Fields beyond these pass through unchanged, so new API parameters need no provider release.
 * @example { url: "https://example.com/tours/1", custom_id: "tour-1", browser: true }
 */
export interface ScrapeRequestArgs {
  /** Absolute http(s) URL to scrape. */
  url: pulumi.Input<string>;
  /** Your own id for this request (at most 255 characters), echoed in job listings and results. */
  custom_id?: pulumi.Input<string>;
  /** Render the page in a browser. */
  browser?: pulumi.Input<boolean>;
  /** Take a screenshot. */
  screenshot?: pulumi.Input<boolean>;
  /** Proxy selection, e.g. `"any"`. */
  use_proxy?: pulumi.Input<string>;
  /** Browser actions, in order, e.g. `{ type: "wait-for-timeout", time: 5000 }`. Unknown types pass through. */
  actions?: pulumi.Input<pulumi.Input<BrowserActionArgs>[]>;
  /** Any other per-request parameter of the API. */
  [key: string]: unknown;
}

/**
 * One scrape request as the collection holds it: the fields of {@link ScrapeRequestArgs} with plain
 * values. Fields this package does not know are kept as they were declared.
 */
export interface ScrapeRequest {
  /** Absolute http(s) URL to scrape. */
  url: string;
  /** Your own id for this request (at most 255 characters), echoed in job listings and results. */
  custom_id?: string;
  /** Render the page in a browser. */
  browser?: boolean;
  /** Take a screenshot. */
  screenshot?: boolean;
  /** Proxy selection, e.g. `"any"`. */
  use_proxy?: string;
  /** Browser actions, e.g. `{ type: "wait-for-timeout", time: 5000 }` (milliseconds). */
  actions?: {
    /** The action, e.g. `"wait-for-timeout"`, `"click"`; its other fields depend on it. */
    type: string;
    [key: string]: unknown;
  }[];
  /** Any other per-request parameter of the API. */
  [key: string]: unknown;
}

/** A URL the API refused when it saved the collection. */
export interface BlockedUrlOutput {
  /** Position in the submitted `requests` list. */
  index: Integer;
  /** The URL as submitted. */
  url: string;
  /** `private_ip`, `dns_failed`, `blocked_hostname`, `invalid_protocol`, `invalid_port`, `malformed_url` or `blocked`. */
  reason: string;
  /** The API's explanation, when it gives one. */
  message?: string;
}

/**
 * The arguments of a {@link Collection}.
 * @example
 * new Collection("daily-tours", {
 *   requests: [{ url: "https://example.com/tours/1", custom_id: "tour-1" }],
 *   callbackUrl: "https://hooks.example.com/scrapingpros",
 * });
 */
export interface CollectionArgs {
  /**
   * The collection's name. When omitted, it is derived once, when the collection is created: the
   * logical name plus 8 hex digits of a digest of the URN, the stack's scope and `callbackUrl`. It is
   * then kept until the collection is replaced (like Pulumi's autonaming), so an alias rename, a
   * re-parent or a stack rename renames nothing. An auto-named collection is looked up by that name
   * before it is created, so an interrupted deployment re-attaches to it. Changing an explicit name
   * renames the collection in place (one PUT).
   */
  name?: pulumi.Input<string>;
  /** The scrape requests. A change replaces the whole list with one PUT. */
  requests: pulumi.Input<pulumi.Input<ScrapeRequestArgs>[]>;
  /**
   * Webhook URL called when a run of the collection completes. A change replaces the collection
   * (the API's update does not take it); the old collection is kept in the account.
   */
  callbackUrl?: pulumi.Input<string>;
  /**
   * When a collection with exactly this `name` already exists, adopt it (one PUT of the declared
   * requests) instead of creating another. Auto-named collections always do this.
   * @default false
   */
  adoptExisting?: pulumi.Input<boolean>;
  /**
   * Adopt the existing collection with this id instead of creating one: it is checked with one GET
   * and brought to the declared state with one PUT.
   * @remarks Pulumi's `import` option does not work with dynamic resources (pulumi/pulumi#16175):
   * this is how a {@link Collection} takes over a collection that exists.
   */
  adoptId?: pulumi.Input<string>;
}

/** The type token. Never change it: existing state would be orphaned. */
export const COLLECTION_TYPE = "pulumi-nodejs:dynamic/scrapingpros:Collection";

/**
 * The serialized provider stored in each resource's state: a one-line module that loads the
 * provider by package name in the dynamic-provider process. `pulumi.dynamic.Resource` would
 * serialize a provider object by value instead (about 2 KB per resource, and a code change would
 * rewrite every resource's state); this keeps it near 100 bytes.
 */
export const SERIALIZED_PROVIDER =
  'exports.handler = function () { return require("pulumi-scrapingpros/provider").collectionProvider; };\n';

/**
 * A ScrapingPros collection: a named list of scrape requests, created, updated and refreshed
 * through the ScrapingPros API. Destroying it removes it from the stack only: the API has no
 * delete, so the collection stays in the account (a warning names its id).
 *
 * @remarks This is a Pulumi dynamic resource (type `pulumi-nodejs:dynamic/scrapingpros:Collection`). Set the
 * API key with `pulumi config set --secret scrapingpros:apiKey <key>` or `SCRAPINGPROS_API_KEY`.
 * @example
 * import { Collection } from "pulumi-scrapingpros";
 * const tours = new Collection("daily-tours", {
 *   requests: [
 *     { url: "https://example.com/tours/1", custom_id: "en", browser: true },
 *     { url: "https://example.com/tours/1", custom_id: "es", browser: true },
 *   ],
 * });
 * export const collectionId = tours.id;
 */
export class Collection extends pulumi.CustomResource {
  /** The collection's name in ScrapingPros (the given or the derived one). */
  declare readonly name: pulumi.Output<string>;
  /** The requests as last applied. */
  declare readonly requests: pulumi.Output<ScrapeRequest[]>;
  /** The webhook URL; absent when not set (an unset URL is absent, never `null` or empty, everywhere in this package). */
  declare readonly callbackUrl: pulumi.Output<string | undefined>;
  /** Creation time, ISO 8601 UTC (e.g. `2026-11-30T16:57:13.442Z`), as the API reports it (known after adoption or a refresh). */
  declare readonly createdAt: pulumi.Output<string | null>;
  /** Last update time, ISO 8601 UTC, as the API reports it (known after adoption or a refresh). */
  declare readonly updatedAt: pulumi.Output<string | null>;
  /** How many requests the API kept: submitted, minus duplicates skipped, minus blocked URLs. */
  declare readonly requestCount: pulumi.Output<Integer>;
  /** How many requests the API dropped as duplicates of (url, custom_id). */
  declare readonly duplicatesSkipped: pulumi.Output<Integer>;
  /** URLs the API refused (SSRF protection) at the last create or update. */
  declare readonly blockedUrls: pulumi.Output<BlockedUrlOutput[]>;
  /** True when the collection existed before and was adopted by name or id. */
  declare readonly adopted: pulumi.Output<boolean>;

  /**
   * @param name The logical name: unique in the stack, part of the URN and of the derived names.
   * @param args The collection's declaration.
   * @param opts Resource options. `replaceOnChanges` and `customTimeouts` (`create`/`update`: the
   *   deadline of the API calls) are passed to the provider, which the dynamic-provider host would
   *   not tell; `import` is refused (use `adoptId`). The README's resource-options table lists each.
   * @throws pulumi.RunError when `opts.import` is set, or when a value in `args` nests lists and
   *   objects more than 64 levels deep in a request (the Pulumi SDK could not serialize it).
   */
  constructor(name: string, args: CollectionArgs, opts?: pulumi.CustomResourceOptions) {
    if (opts?.import !== undefined) {
      throw new pulumi.RunError(
        `Collection "${name}": the \`import\` resource option does not work for dynamic resources ` +
          "(pulumi/pulumi#16175); adopt the existing collection with `adoptId: " +
          `${JSON.stringify(String(opts.import))}\` in its arguments instead`,
      );
    }
    // The Pulumi SDK's serializer recurses: a value nested thousands of levels deep would end the
    // program with a stack overflow and no path. Refuse it here, by the bound `check` applies.
    const deep = firstTooDeep(args, MAX_DEPTH + 2);
    if (deep !== undefined) {
      throw new pulumi.RunError(
        `Collection "${name}": ${formatPath(deep)}: nests lists and objects more than ${MAX_DEPTH} levels ` +
          "deep in one request (too_deep)",
      );
    }
    // Every key of `props` becomes a property of the resource, and the SDK captures a stack trace
    // (source-mapped in TypeScript programs) for each property's promises: that is most of what a
    // Collection costs the program over a bare dynamic resource (bench/engine-floor.ts). Optional
    // inputs that are not declared outputs are passed only when set; unset, they were never sent.
    const props: pulumi.Inputs = {
      // Keys the Collection does not have are passed on, however `args` was built (a spread, a
      // variable, JSON): `check` rejects each, naming it and the likely intended property.
      ...unknownArgs(args),
      name: args.name,
      requests: args.requests,
      callbackUrl: args.callbackUrl,
      ...definedOnly({
        adoptExisting: args.adoptExisting,
        adoptId: args.adoptId,
        __replaceOnChanges: opts?.replaceOnChanges?.length ? [...opts.replaceOnChanges] : undefined,
        __timeouts: timeoutsOf(opts?.customTimeouts),
        // Which inputs are secret, which the provider cannot tell (it then keeps what it derives
        // from them secret and out of its messages); only when an input is an Output or a promise.
        __secretInputs: secretInputNames(args ?? {}, [...DECLARED_ARGS]),
      }),
      // Dynamic providers are not given the URN; the idempotency key and the derived name need it.
      __urn: urnWithoutDependencies(name, opts?.parent),
      __scope: stackScope().id,
      __provider: SERIALIZED_PROVIDER,
      createdAt: undefined,
      updatedAt: undefined,
      requestCount: undefined,
      duplicatesSkipped: undefined,
      blockedUrls: undefined,
      adopted: undefined,
      ...outputArgs(args),
    };
    // The SDK captures a stack trace for each of the ~50 promises it makes here: kept unformatted
    // instead of source-mapped, they cost a fraction (stack-traces.ts).
    const restore = plainStackTraces();
    try {
      super(COLLECTION_TYPE, name, props, opts);
    } finally {
      restore();
    }
  }
}

/** The entries whose value is not `undefined`. */
function definedOnly(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/** The arguments a Collection declares; every other key of the args reaches `check`, which rejects it. */
const DECLARED_ARGS = new Set(["name", "requests", "callbackUrl", "adoptExisting", "adoptId"]);
/** Output names: placeholders the constructor sets, unless the args carry them (then `check` rejects them). */
const OUTPUT_NAMES = new Set([
  "createdAt",
  "updatedAt",
  "requestCount",
  "duplicatesSkipped",
  "blockedUrls",
  "adopted",
]);

function unknownArgs(args: CollectionArgs): pulumi.Inputs {
  const out: pulumi.Inputs = {};
  for (const [k, v] of Object.entries(args ?? {})) {
    if (!DECLARED_ARGS.has(k) && !OUTPUT_NAMES.has(k) && v !== undefined) out[k] = v;
  }
  return out;
}

function outputArgs(args: CollectionArgs): pulumi.Inputs {
  const out: pulumi.Inputs = {};
  for (const [k, v] of Object.entries(args ?? {})) if (OUTPUT_NAMES.has(k) && v !== undefined) out[k] = v;
  return out;
}

/**
 * The URN the resource will have, as a plain promise. `pulumi.createUrn` with a parent returns
 * an Output that depends on the parent, and a dependency on a component waits for all of the
 * component's children, this resource and its siblings included: two collections in one component
 * would wait for each other forever. A promise carries the value without the dependency.
 */
function urnWithoutDependencies(name: string, parent: pulumi.Resource | undefined): Promise<string> {
  const urn = pulumi.createUrn(name, COLLECTION_TYPE, parent);
  return new Promise((resolve) => {
    urn.apply((u) => {
      resolve(u);
      return u;
    });
  });
}

/** `customTimeouts` as milliseconds (`"5m"`, `"90s"`, `"1h30m"` → Go duration syntax). */
function timeoutsOf(
  t: pulumi.CustomTimeouts | undefined,
): { createMs?: number; updateMs?: number } | undefined {
  if (!t) return undefined;
  const out: { createMs?: number; updateMs?: number } = {};
  if (t.create !== undefined) out.createMs = parseDurationMs(t.create, "create");
  if (t.update !== undefined) out.updateMs = parseDurationMs(t.update, "update");
  return Object.keys(out).length ? out : undefined;
}
