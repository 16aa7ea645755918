/**
 * Lookups: read collections and runs that exist in the account (another team's, or one made outside
 * Pulumi) without managing them. The SDK's `getCollection`, `listCollections` and `getRun` call
 * these in the program's process with a client of the program's settings; a native provider's
 * invoke calls them with its own client. Each takes the way to reach the API ({@link WithClient}), so
 * that its arguments are checked before any setting is read.
 */
import { createHash } from "node:crypto";
import DataLoader from "dataloader";
import type { ScrapingProsClient } from "../client/client";
import { NotFoundError } from "../client/errors";
import type { CollectionSummary, ListCollectionsQuery, Run } from "../client/schemas";
import { BATCH_WINDOW_MS } from "./collection-snapshots";
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
  /** The webhook of this run; absent without one (an unset URL is absent, never `null` or empty, everywhere in this package). */
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
 * passes the client of its settings. `account`, when set, names the account the client reaches
 * (its origin and a digest of its key), read after a lookup's arguments are checked: lookups of one
 * account that arrive together share their calls. Without it, lookups share calls when they are
 * given the same `WithClient` function.
 */
export type WithClient = (<T>(fn: (client: LookupClient) => Promise<T>) => Promise<T>) & {
  account?: () => string;
};

/**
 * Reads one collection: `GET /v1/async/collections/{id}` (one call). Lookups of collections of one
 * account that arrive within {@link BATCH_WINDOW_MS} of each other share calls: several are answered
 * by one list (`GET /v1/async/collections`, sent after all of them began, never an earlier one), a
 * collection missing from it by its own GET; a `listCollections` filter by `name` or `namePrefix` is
 * applied to that list, one by `since` is the API's to apply (its own call, shared by identical
 * queries). `secret`: the id is a secret, which its errors do not name.
 * @throws TypeError when `id` is not a non-empty string.
 * @throws LookupNotFoundError when no collection has this id; other API errors as the client's errors.
 */
export async function lookUpCollection(
  withClient: WithClient,
  args: GetCollectionArgs,
  secret = false,
): Promise<CollectionInfo> {
  requireText(args.id, "getCollection: id");
  const found = await batcherOf(withClient).load({ id: args.id });
  if (found === undefined) {
    throw new LookupNotFoundError(
      `getCollection: no collection ${secret ? "with this (secret) id" : args.id} exists in this ScrapingPros account`,
    );
  }
  return toCollectionInfo(found as CollectionSummary);
}

/**
 * Lists collections: `GET /v1/async/collections?name=&name_prefix=&since=` (one call; see
 * {@link lookUpCollection} for lookups made together). The API has no paging (API notes §2.2):
 * every match comes back.
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
  const data = (await batcherOf(withClient).load({ query })) as CollectionSummary[];
  return { collections: data.map(toCollectionInfo) };
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

/** One collection lookup waiting for its batch: a read by id, or a filtered list. */
type Question = { id: string } | { query: ListCollectionsQuery };
/** A read's collection (`undefined` when it does not exist), or a list's matches. */
type Answer = CollectionSummary | undefined | CollectionSummary[];

const batchers = new Map<string, DataLoader<Question, Answer>>();
const batchersByFunction = new WeakMap<WithClient, DataLoader<Question, Answer>>();

/** The batcher of the account `withClient` reaches. */
function batcherOf(withClient: WithClient): DataLoader<Question, Answer> {
  const account = withClient.account?.();
  const known = account === undefined ? batchersByFunction.get(withClient) : batchers.get(account);
  if (known) return known;
  const loader = new DataLoader<Question, Answer>((questions) => answer(withClient, questions), {
    cache: false,
    batchScheduleFn: (run) => {
      setTimeout(run, BATCH_WINDOW_MS);
    },
  });
  if (account === undefined) batchersByFunction.set(withClient, loader);
  else batchers.set(account, loader);
  return loader;
}

/**
 * The account's identity for {@link WithClient.account}: the API's origin and a SHA-256 digest of the
 * key, never the key itself.
 */
export function accountOf(baseUrl: string, apiKey: string): string {
  return `${new URL(baseUrl).origin} ${createHash("sha256").update(apiKey).digest("hex")}`;
}

/** Answers the lookups that arrived together, with one client and as few calls as they allow. */
async function answer(withClient: WithClient, questions: readonly Question[]): Promise<(Answer | Error)[]> {
  return withClient(async (client) => {
    const alone = questions.length === 1 || new Set(questions.map(keyOf)).size === 1;
    const local = (q: Question) => "id" in q || q.query.since === undefined;
    let listing: Promise<CollectionSummary[]> | undefined;
    if (!alone && questions.filter(local).length > 1) {
      listing = client.collections.list().then((r) => r.data);
    }
    const own = new Map<string, Promise<Answer>>();
    const ownCall = (q: Question): Promise<Answer> => {
      const key = keyOf(q);
      let call = own.get(key);
      if (!call) {
        call = "id" in q ? get(client, q.id) : client.collections.list(q.query).then((r) => r.data);
        own.set(key, call);
      }
      return call;
    };
    return Promise.all(
      questions.map(async (q): Promise<Answer | Error> => {
        try {
          if (!listing || !local(q)) return await ownCall(q);
          const all = await listing;
          if ("id" in q) return all.find((c) => c.id === q.id) ?? (await ownCall(q));
          const { name, name_prefix: prefix } = q.query;
          return all.filter(
            (c) =>
              (name === undefined || c.name === name) && (prefix === undefined || c.name.startsWith(prefix)),
          );
        } catch (e) {
          return e instanceof Error ? e : new Error(String(e));
        }
      }),
    );
  });
}

function keyOf(q: Question): string {
  return "id" in q
    ? `id ${q.id}`
    : `list ${JSON.stringify([q.query.name, q.query.name_prefix, q.query.since])}`;
}

async function get(client: LookupClient, id: string): Promise<CollectionSummary | undefined> {
  try {
    return (await client.collections.get(id)).data;
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}
