/**
 * Lookups: read collections and runs that exist in the account (another team's, or one made outside
 * Pulumi) without managing them. The SDK's `getCollection`, `listCollections` and `getRun` call
 * these in the program's process with a client of the program's settings; a native provider's
 * invoke calls them with its own client. Each takes the way to reach the API ({@link WithClient}), so
 * that its arguments are checked before any setting is read.
 */
import type { ScrapingProsClient } from "../client/client";
import { NotFoundError } from "../client/errors";
import type { CollectionSummary, Run } from "../client/schemas";
import type { Integer } from "./results";
import { isoTime } from "./state-wire";

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
  totalRequests: Integer | null;
  /** Jobs that ended successfully; `null` when the API omits it. */
  successRequests: Integer | null;
  /** Jobs that failed; `null` when the API omits it. */
  failedRequests: Integer | null;
  /** Jobs that timed out; `null` when the API omits it. */
  timeoutRequests: Integer | null;
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

/** The client namespaces a lookup calls. */
export type LookupClient = Pick<ScrapingProsClient, "collections" | "runs">;

/**
 * Runs `fn` with a client: the SDK's opens one for the lookup and closes it afterwards, a provider
 * passes the client of its settings.
 */
export type WithClient = <T>(fn: (client: LookupClient) => Promise<T>) => Promise<T>;

/**
 * Reads one collection: `GET /v1/async/collections/{id}` (one call). `secret`: the id is a secret,
 * which its errors do not name.
 * @throws TypeError when `id` is not a non-empty string.
 * @throws LookupNotFoundError when no collection has this id; other API errors as the client's errors.
 */
export async function lookUpCollection(
  withClient: WithClient,
  args: GetCollectionArgs,
  secret = false,
): Promise<CollectionInfo> {
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
 * Lists collections: `GET /v1/async/collections?name=&name_prefix=&since=` (one call). The API has
 * no paging (API notes §2.2): every match comes back.
 * @throws TypeError when `since` is not a valid time; API errors as the client's errors.
 */
export async function lookUpCollections(
  withClient: WithClient,
  args: ListCollectionsArgs = {},
): Promise<ListCollectionsResult> {
  const query: { name?: string; name_prefix?: string; since?: string } = {};
  if (args.name !== undefined) query.name = args.name;
  if (args.namePrefix !== undefined) query.name_prefix = args.namePrefix;
  if (args.since !== undefined) query.since = isoSince(args.since);
  return withClient(async (client) => {
    const { data } = await client.collections.list(query);
    return { collections: data.map(toCollectionInfo) };
  });
}

/**
 * Reads one run: `GET /v1/async/collections/{collectionId}/runs/{runId}` (one call), including its
 * webhook delivery status. `secret`: an argument is a secret, so its errors name neither id.
 * @throws TypeError when an id is not a non-empty string.
 * @throws LookupNotFoundError when the collection or the run does not exist.
 */
export async function lookUpRun(withClient: WithClient, args: GetRunArgs, secret = false): Promise<RunInfo> {
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
