/**
 * Lookups: read collections and runs that exist in the account (another team's, or one made outside
 * Pulumi) without managing them, like `getX`/`getXOutput` of a generated Pulumi provider.
 *
 * They run in the program's process, not in the provider's, and read the same settings as the
 * resources: the stack's `scrapingpros:*` config first, then the `SCRAPINGPROS_*` environment
 * variables (provider/core/config.ts, `resolveSettings`). The API key is used only as the Bearer header:
 * it is never in a result, an error or a log line.
 *
 * Preview: like Pulumi's own invokes, a lookup whose inputs are known makes its call during
 * `pulumi preview` too (a plan needs the value). The `…Output` forms with an input that is unknown
 * during preview (e.g. the id of a collection still to be created) make no call and give an unknown
 * output.
 */
import * as pulumi from "@pulumi/pulumi";
import { ScrapingProsClient } from "../provider/client/client";
import { NotFoundError } from "../provider/client/errors";
import type { CollectionSummary, Run } from "../provider/client/schemas";
import { type ConfigSource, MISSING_KEY_MESSAGE, resolveSettings } from "../provider/core/config";
import { isoTime } from "../provider/core/state-wire";

/**
 * A collection as the API reports it (API notes §2.2–§2.3). Requests and `callback_url` are not
 * readable. Times are ISO 8601 UTC strings, as on `Collection` and `CollectionRun`.
 */
export interface CollectionInfo {
  /** The collection's id. */
  id: string;
  /** Its name. Names are not unique in an account. */
  name: string;
  /**
   * Creation time, ISO 8601 UTC (e.g. `2026-11-30T16:57:13.442Z`; the API sends epoch seconds);
   * `null` for collections older than the field (§7 item 1).
   */
  createdAt: string | null;
  /** Last update time, ISO 8601 UTC; `null` when the API does not report it. */
  updatedAt: string | null;
}

/** Arguments of {@link getCollection}. */
export interface GetCollectionArgs {
  /** The collection's id. */
  id: string;
}

/** Arguments of {@link listCollections}. Filters are combined with AND (API notes §2.2). */
export interface ListCollectionsArgs {
  /** Exact name. */
  name?: string;
  /** Names starting with this text. */
  namePrefix?: string;
  /** Created at or after this time: a `Date` or an ISO 8601 UTC string, e.g. `"2026-04-30T11:00:00Z"`. */
  since?: string | Date;
}

/** The result of {@link listCollections}. */
export interface ListCollectionsResult {
  /** The matching collections, in the API's order (undocumented; the emulator's is oldest first). */
  collections: CollectionInfo[];
}

/** Arguments of {@link getRun}. */
export interface GetRunArgs {
  /** The collection the run belongs to. */
  collectionId: string;
  /** The run's id. */
  runId: string;
}

/**
 * A run (API notes §4.3). Fields older API versions omit (§7 item 3) are `null`.
 * `status` is `in_progress` or `completed` as seen; any other value is kept as given and means ended.
 */
export interface RunInfo {
  /** The run's id. */
  runId: string;
  /** The id of the collection the run belongs to. */
  collectionId: string;
  /** `in_progress` or `completed` as seen; any other value is kept as given and means ended. */
  status: string;
  /** Jobs in the run (one per deduplicated request); `null` when the API omits it. */
  totalRequests: number | null;
  /** Jobs that ended successfully; `null` when the API omits it. */
  successRequests: number | null;
  /** Jobs that failed; `null` when the API omits it. */
  failedRequests: number | null;
  /** Jobs that timed out; `null` when the API omits it. */
  timeoutRequests: number | null;
  /** One id per job; empty when the API does not list them. */
  jobIds: string[];
  /** The webhook of this run; `undefined` without one (as an unset URL is everywhere in this package). */
  callbackUrl: string | undefined;
  /** `pending`, `sent`, `failed` (emulator) or another value as given; `null` without a webhook. */
  callbackStatus: string | null;
  /**
   * Creation time, ISO 8601 UTC; `null` when the API does not report it, which the single-run
   * response is not documented to do (only the runs list's items carry it, API notes §4.2, §4.3).
   */
  createdAt: string | null;
}

/** Thrown when a looked-up collection or run does not exist (the API answered 404). */
export class LookupNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LookupNotFoundError";
  }
}

/**
 * Reads one collection: `GET /v1/async/collections/{id}` (one call, also during preview).
 * @throws LookupNotFoundError when no collection has this id; other API errors as the client's errors.
 * @example const c = await getCollection({ id: "c38b0bcf-..." }); // { id, name, createdAt: "2026-…Z", updatedAt }
 */
export async function getCollection(args: GetCollectionArgs): Promise<CollectionInfo> {
  return lookUpCollection(args, false);
}

/** `getCollection`; `secret`: the id is a secret, which its errors do not name. */
async function lookUpCollection(args: GetCollectionArgs, secret: boolean): Promise<CollectionInfo> {
  requireText(args.id, "getCollection: id");
  return withClient(async (client) => {
    try {
      return toCollectionInfo((await client.collections.get(args.id)).data);
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw new LookupNotFoundError(
          `getCollection: no collection ${secret ? "with this (secret) id" : args.id} exists in this ScrapingPros account`,
        );
      }
      throw e;
    }
  });
}

/**
 * {@link getCollection} with `Input`s: no call while `id` is unknown (during preview). The result is
 * secret when `id` is, and an error does not name a secret id.
 */
export function getCollectionOutput(args: { id: pulumi.Input<string> }): pulumi.Output<CollectionInfo> {
  const inputs = pulumi.output(args);
  return inputs.apply(async (a) => lookUpCollection({ id: a.id }, await pulumi.isSecret(inputs)));
}

/**
 * Lists collections: `GET /v1/async/collections?name=&name_prefix=&since=` (one call, also during
 * preview). The API has no paging (API notes §2.2): every match comes back.
 * @throws TypeError when `since` is not a valid time; API errors as the client's errors.
 */
export async function listCollections(args: ListCollectionsArgs = {}): Promise<ListCollectionsResult> {
  const query: { name?: string; name_prefix?: string; since?: string } = {};
  if (args.name !== undefined) query.name = args.name;
  if (args.namePrefix !== undefined) query.name_prefix = args.namePrefix;
  if (args.since !== undefined) query.since = isoSince(args.since);
  return withClient(async (client) => {
    const { data } = await client.collections.list(query);
    return { collections: data.map(toCollectionInfo) };
  });
}

/** {@link listCollections} with `Input`s: no call while an argument is unknown. */
export function listCollectionsOutput(
  args: {
    name?: pulumi.Input<string | undefined>;
    namePrefix?: pulumi.Input<string | undefined>;
    since?: pulumi.Input<string | Date | undefined>;
  } = {},
): pulumi.Output<ListCollectionsResult> {
  return pulumi.output(args).apply((a) => listCollections(a as ListCollectionsArgs));
}

/**
 * Reads one run: `GET /v1/async/collections/{collectionId}/runs/{runId}` (one call, also during
 * preview), including its webhook delivery status.
 * @throws LookupNotFoundError when the collection or the run does not exist.
 */
export async function getRun(args: GetRunArgs): Promise<RunInfo> {
  return lookUpRun(args, false);
}

/** `getRun`; `secret`: an argument is a secret, so its errors name neither id. */
async function lookUpRun(args: GetRunArgs, secret: boolean): Promise<RunInfo> {
  requireText(args.collectionId, "getRun: collectionId");
  requireText(args.runId, "getRun: runId");
  return withClient(async (client) => {
    try {
      return toRunInfo((await client.runs.get(args.collectionId, args.runId)).data, args.collectionId);
    } catch (e) {
      if (e instanceof NotFoundError) {
        const what = secret
          ? "run with these (secret) ids"
          : `run ${args.runId} of collection ${args.collectionId}`;
        throw new LookupNotFoundError(`getRun: no ${what} exists in this ScrapingPros account`);
      }
      throw e;
    }
  });
}

/**
 * {@link getRun} with `Input`s: no call while an argument is unknown. The result is secret when an
 * argument is, and an error then names neither id.
 */
export function getRunOutput(args: {
  collectionId: pulumi.Input<string>;
  runId: pulumi.Input<string>;
}): pulumi.Output<RunInfo> {
  const inputs = pulumi.output(args);
  return inputs.apply(async (a) =>
    lookUpRun({ collectionId: a.collectionId, runId: a.runId }, await pulumi.isSecret(inputs)),
  );
}

/** Maps a run of the API to {@link RunInfo}. */
export function toRunInfo(run: Run, collectionId: string): RunInfo {
  return {
    runId: run.run_id,
    collectionId: run.collection_id ?? collectionId,
    status: run.status,
    totalRequests: run.total_requests ?? null,
    successRequests: run.success_requests ?? null,
    failedRequests: run.failed_requests ?? null,
    timeoutRequests: run.timeout_requests ?? null,
    jobIds: run.job_ids ?? [],
    callbackUrl: run.callback_url ?? undefined,
    callbackStatus: run.callback_status ?? null,
    createdAt: isoTime(run.created_at),
  };
}

function toCollectionInfo(c: CollectionSummary): CollectionInfo {
  return { id: c.id, name: c.name, createdAt: isoTime(c.created_at), updatedAt: isoTime(c.updated_at) };
}

function requireText(value: unknown, what: string): void {
  if (typeof value !== "string" || value === "") throw new TypeError(`${what} must be a non-empty string`);
}

function isoSince(since: string | Date): string {
  const ms = since instanceof Date ? since.getTime() : Date.parse(since);
  if (!Number.isFinite(ms)) {
    throw new TypeError(
      `listCollections: since must be a Date or an ISO 8601 time (got ${JSON.stringify(String(since))})`,
    );
  }
  // The API takes ISO 8601 UTC (API notes §2.2); a string is passed as written, a Date converted.
  return since instanceof Date ? since.toISOString() : since;
}

/**
 * The stack's `scrapingpros:*` config as the provider's {@link ConfigSource}: the same keys, read
 * through `pulumi.Config` in the program (outside a Pulumi run, e.g. in a plain script, only the
 * environment applies).
 */
export function programConfigSource(): ConfigSource {
  const config = new pulumi.Config("scrapingpros");
  return {
    get: (key) => config.get(key.slice(key.indexOf(":") + 1)),
    // So that an unknown `scrapingpros:*` key fails a lookup as it fails the provider.
    keys: () => Object.keys(pulumi.runtime.allConfig()),
  };
}

/** One client per lookup, closed afterwards, so no keep-alive socket holds the program open. */
async function withClient<T>(fn: (client: ScrapingProsClient) => Promise<T>): Promise<T> {
  const settings = resolveSettings(programConfigSource(), process.env);
  if (!settings.apiKey) throw new Error(MISSING_KEY_MESSAGE);
  const client = new ScrapingProsClient({ ...settings.clientOptions, apiKey: settings.apiKey });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
