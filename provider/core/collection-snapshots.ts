/**
 * Reads and name lookups of collections answered from the list endpoint instead of one call each.
 *
 * `GET /v1/async/collections` (API notes §2.2) returns, in one call, every field a read needs (id,
 * name, timestamps) and every name a lookup needs. One {@link CollectionSnapshots} per provider
 * context (one per process for the dynamic provider; one per provider resource for the native one)
 * keeps the last list it fetched, a *snapshot*, and shares list calls between the operations of that
 * process. How fresh a snapshot must be:
 *
 * - **A read** (refresh, `up --refresh`) is answered from a snapshot sent at most
 *   {@link READ_MAX_AGE_MS} before the read began, or after it. A refresh has no single moment anyway:
 *   the engine reads the stack's resources one after another, 8 at a time; a snapshot of that age is
 *   the account as a read scheduled that much earlier would have seen it. A collection this process
 *   wrote after the snapshot was sent is not read from it. A collection missing from the snapshot is
 *   confirmed gone by its own `GET /v1/async/collections/{id}` before the read reports it gone (it may
 *   be newer than the snapshot). So a rename made outside Pulumi before the refresh began is seen.
 * - **A lookup by name** (an auto-named or `adoptExisting` create) is answered from a list sent after
 *   this process's lookups began (its first check of a new resource that looks up its name:
 *   {@link CollectionSnapshots.announce}), never an earlier one, and at most
 *   {@link LOOKUP_MAX_AGE_MS} before the lookup began. One process serves one deployment, so every
 *   list a rerun uses was sent after the killed deployment it follows was gone, and shows what that
 *   one created (S2, S3). A list sent before the lookup began is needed, not a shortcut: the engine
 *   checks a resource only when one of its `--parallel` (8) operation slots is free, so the lookups of
 *   a deployment begin 8 at a time as its creates end, and a list per lookup's own begin would cost a
 *   list per 8 creates. Collections this process creates, adopts or renames are written into the
 *   snapshot as their answer arrives, and the lookup and create of one name run one at a time
 *   ({@link CollectionSnapshots.holdName}), so two lookups of one name never both miss: the second
 *   finds what the first created. A write whose outcome is unknown (an error) makes the next lookup of
 *   that name wait for a list sent after it.
 *
 * When no snapshot is used:
 *
 * - **A question alone**: one read with nothing else pending and no read answered from a list in the
 *   last {@link READ_MAX_AGE_MS} (a refresh of one collection, `pulumi import`), or one lookup with no
 *   other name announced, is one small call (`GET /v1/async/collections/{id}`, or `?name=`), which
 *   is cheaper than the whole list.
 * - **An account whose list cannot be read**: the list is one unpaginated array, and the client reads
 *   a body up to `maxResponseBytes` (32 MiB, about 150,000 collections). When the list fails with
 *   `ResponseTooLargeError`, every later question of the process is one call of its own. Below that
 *   bound the list is used however large: a list of `n` collections costs one call and about
 *   `200 × n` bytes, against one call per resource.
 * - **A lookup with a deadline** (the resource's `customTimeouts`) that finds no usable snapshot makes
 *   its own `?name=` call within its deadline, rather than wait for a shared one.
 */
import DataLoader from "dataloader";
import { NotFoundError, ResponseTooLargeError } from "../client/errors";
import type { CollectionSummary } from "../client/schemas";

/**
 * How old a snapshot may be, from the moment its list call was sent to the moment a read began, for
 * the read to be answered from it. @unit milliseconds
 */
export const READ_MAX_AGE_MS = 10_000;

/**
 * How long the first question waits for others before a call is decided (one call of its own or the
 * list). The engine starts 8 operations at once (`--parallel`), which reach the provider within a few
 * milliseconds of each other; measured in `tests/integration/provider/core/snapshots.spec.ts` and
 * `npm run bench`. @unit milliseconds
 */
export const BATCH_WINDOW_MS = 20;

/**
 * How old a list may be, from the moment it was sent to the moment a lookup began, for the lookup to
 * be answered from it (when it was sent after the deployment's lookups began). @unit milliseconds
 */
export const LOOKUP_MAX_AGE_MS = 60_000;

/** The calls a snapshot makes. */
export interface SnapshotClient {
  /** The collections namespace of the API client. */
  collections: {
    list(
      query?: { name?: string },
      options?: { deadlineMs?: number },
    ): Promise<{ data: CollectionSummary[] }>;
    get(id: string, options?: { deadlineMs?: number }): Promise<{ data: CollectionSummary }>;
  };
}

/** Options of {@link CollectionSnapshots}. */
export interface CollectionSnapshotsOptions {
  /** The client to call, asked at each call (the provider's client, built on first use). */
  client: () => SnapshotClient;
  /** Runs a call shared by several resources, so that its retries are counted against none of them. @default runs it as is */
  shared?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The clock. @default Date.now */
  now?: () => number;
  /** @default {@link READ_MAX_AGE_MS} @unit milliseconds */
  readMaxAgeMs?: number;
  /** @default {@link BATCH_WINDOW_MS} @unit milliseconds */
  windowMs?: number;
  /** @default {@link LOOKUP_MAX_AGE_MS} @unit milliseconds */
  lookupMaxAgeMs?: number;
}

/** One answered list call. */
interface Listing {
  /** When the call was sent. @unit epoch ms */
  sentAt: number;
  byId: Map<string, CollectionSummary>;
  byName: Map<string, CollectionSummary[]>;
}

/** A list call, answered or on its way; `undefined` when the list is too large to read. */
interface ListCall {
  sentAt: number;
  listing: Promise<Listing | undefined>;
}

/** What a `?name=` call answered, for that name only. */
interface NameAnswer {
  sentAt: number;
  matches: CollectionSummary[];
}

/** A lookup waiting for a list: its name, and the oldest send time of a list that may answer it. */
interface LookupKey {
  name: string;
  /** @unit epoch ms */
  notBefore: number;
}

/** Counters of what the snapshots did, for tests and the bench. */
export interface SnapshotStats {
  /** Unfiltered list calls. */
  lists: number;
  /** `?name=` calls. */
  nameCalls: number;
  /** `GET /v1/async/collections/{id}` calls (single reads and confirmations). */
  gets: number;
}

/** The account's collections as list calls showed them, shared by the operations of one provider context. */
export class CollectionSnapshots {
  readonly #client: () => SnapshotClient;
  readonly #shared: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly #now: () => number;
  readonly #readMaxAgeMs: number;
  readonly #lookupMaxAgeMs: number;
  /** When the first lookup of this process began: no list sent before it answers a lookup. */
  #lookupsBegan: number | undefined;
  /** The newest list call (answered or not). */
  #last: ListCall | undefined;
  /** Set when the list could not be read (too large): every question is then a call of its own. */
  #listsOff = false;
  /** When a read was last answered from a list: reads are then not "alone". */
  #lastBulkRead = Number.NEGATIVE_INFINITY;
  /** Names whose lookup began (checked, not yet created), with when. */
  readonly #begun = new Map<string, number>();
  /** This process's last write of each collection id: its name after the write, and when it was answered. */
  readonly #writes = new Map<string, { name: string; at: number }>();
  /** The ids this process wrote under each name (some may have been renamed since: see #writes). */
  readonly #writtenNames = new Map<string, Set<string>>();
  /** Names whose last write here had an unknown outcome, with when it ended. */
  readonly #uncertain = new Map<string, number>();
  /** Answers of `?name=` calls. */
  readonly #named = new Map<string, NameAnswer>();
  /** The name holds: the tail of each name's queue. */
  readonly #holds = new Map<string, Promise<void>>();
  /** Names written while held (see holdName). */
  readonly #wroteWhileHeld = new Set<string>();
  /** Reads waiting for a list, by the oldest send time of a list that may answer each. */
  readonly #reads: DataLoader<number, Listing | undefined>;
  readonly #lookups: DataLoader<LookupKey, Listing | undefined>;
  /** What the snapshots called so far. */
  readonly stats: SnapshotStats = { lists: 0, nameCalls: 0, gets: 0 };

  constructor(options: CollectionSnapshotsOptions) {
    this.#client = options.client;
    this.#shared = options.shared ?? ((fn) => fn());
    this.#now = options.now ?? Date.now;
    this.#readMaxAgeMs = options.readMaxAgeMs ?? READ_MAX_AGE_MS;
    this.#lookupMaxAgeMs = options.lookupMaxAgeMs ?? LOOKUP_MAX_AGE_MS;
    const windowMs = options.windowMs ?? BATCH_WINDOW_MS;
    const batchScheduleFn = (run: () => void) => {
      setTimeout(run, windowMs);
    };
    this.#reads = new DataLoader((keys) => this.#readBatch(keys), { cache: false, batchScheduleFn });
    this.#lookups = new DataLoader((keys) => this.#lookupBatch(keys), { cache: false, batchScheduleFn });
  }

  /**
   * Reads one collection: from a snapshot fresh enough for a read, else with the other reads of the
   * moment. `undefined` when it is gone (confirmed by its own GET).
   * @throws the client's errors when a call fails.
   */
  async read(id: string): Promise<CollectionSummary | undefined> {
    const notBefore = Math.max(
      this.#now() - this.#readMaxAgeMs,
      this.#writes.get(id)?.at ?? Number.NEGATIVE_INFINITY,
    );
    const usable = this.#usable(notBefore);
    const listing = usable ? await usable.listing : await this.#reads.load(notBefore);
    const found = listing?.byId.get(id);
    if (found) {
      this.#lastBulkRead = this.#now();
      return found;
    }
    // Missing: gone, newer than the list, or no list was used. Its own GET decides.
    return this.#get(id);
  }

  /**
   * Says that `name` will be looked up: its lookup begins now, and a list sent from now on may answer
   * it. Makes no call (the engine checks at `pulumi preview` too).
   */
  announce(name: string): void {
    const now = this.#now();
    this.#begun.set(name, now);
    this.#lookupsBegan ??= now;
  }

  /**
   * Runs `fn` while holding `name`: the lookups and writes of one name run one at a time, so that a
   * lookup sees what an earlier one created. When `fn` throws before its write was recorded
   * ({@link wrote}), the outcome of the write is unknown, and the next lookup of the name waits for a
   * list sent after this.
   */
  async holdName<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#holds.get(name) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => mine);
    this.#holds.set(name, tail);
    await before;
    this.#wroteWhileHeld.delete(name);
    try {
      return await fn();
    } catch (e) {
      if (!this.#wroteWhileHeld.has(name)) this.#uncertain.set(name, this.#now());
      throw e;
    } finally {
      release();
      if (this.#holds.get(name) === tail) this.#holds.delete(name);
    }
  }

  /**
   * The collections named exactly `name`, from a list sent after the lookup began (see the module's
   * rules); with `deadlineMs`, a call it makes is its own `?name=` call within that deadline.
   * @throws the client's errors when a call fails.
   */
  async lookUp(name: string, options: { deadlineMs?: number } = {}): Promise<CollectionSummary[]> {
    const began = this.#begun.get(name) ?? this.#now();
    this.#begun.delete(name);
    this.#lookupsBegan ??= began;
    const notBefore = Math.max(
      this.#lookupsBegan,
      began - this.#lookupMaxAgeMs,
      this.#uncertain.get(name) ?? Number.NEGATIVE_INFINITY,
    );
    const answer = this.#named.get(name);
    const usable = this.#usable(notBefore);
    if (answer && answer.sentAt >= notBefore && (!usable || answer.sentAt >= usable.sentAt)) {
      return this.#withWrites(name, answer.sentAt, answer.matches);
    }
    let listing: Listing | undefined;
    if (usable) listing = await usable.listing;
    else if (options.deadlineMs === undefined) listing = await this.#lookups.load({ name, notBefore });
    if (listing) return this.#withWrites(name, listing.sentAt, listing.byName.get(name) ?? []);
    return this.#lookUpAlone(name, options.deadlineMs);
  }

  /**
   * Records a collection this process created, adopted or renamed, as the API answered: later
   * lookups see it under its name, and reads of it wait for a newer list.
   */
  wrote(collection: { id: string; name: string }): void {
    this.#writes.set(collection.id, { name: collection.name, at: this.#now() });
    const ids = this.#writtenNames.get(collection.name) ?? new Set<string>();
    ids.add(collection.id);
    this.#writtenNames.set(collection.name, ids);
    this.#uncertain.delete(collection.name);
    this.#wroteWhileHeld.add(collection.name);
  }

  /** The newest list call sent at or after `notBefore`, when lists are on. */
  #usable(notBefore: number): ListCall | undefined {
    if (this.#listsOff) return undefined;
    const last = this.#last;
    return last !== undefined && last.sentAt >= notBefore ? last : undefined;
  }

  /**
   * Sends a list call shared by everyone who may use it. A failed one fails those who waited for it,
   * and is forgotten: the next question sends a new one.
   */
  #list(): ListCall {
    const sentAt = this.#now();
    this.stats.lists++;
    const call: ListCall = {
      sentAt,
      listing: this.#shared(() => this.#client().collections.list()).then(
        ({ data }) => indexed(sentAt, data),
        (e: unknown) => {
          if (e instanceof ResponseTooLargeError) {
            this.#listsOff = true;
            return undefined;
          }
          if (this.#last === call) this.#last = undefined;
          throw e;
        },
      ),
    };
    // Failures reach those who await it; this only keeps an unawaited rejection quiet.
    call.listing.catch(() => undefined);
    this.#last = call;
    return call;
  }

  async #get(id: string): Promise<CollectionSummary | undefined> {
    this.stats.gets++;
    try {
      return (await this.#client().collections.get(id)).data;
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  /**
   * The reads that arrived together: one list for all, unless one read is alone (then `undefined`:
   * it makes its own GET). `notBefore` is each read's oldest acceptable send time.
   */
  async #readBatch(keys: readonly number[]): Promise<(Listing | undefined | Error)[]> {
    let call = this.#usable(Math.max(...keys));
    const alone = keys.length === 1 && this.#now() - this.#lastBulkRead > this.#readMaxAgeMs;
    if (!call && !alone && !this.#listsOff) call = this.#list();
    const listing = call ? await settle(call.listing) : undefined;
    return keys.map(() => listing);
  }

  /** `matches` of a call sent at `sentAt`, corrected by what this process wrote after it was sent. */
  #withWrites(name: string, sentAt: number, matches: CollectionSummary[]): CollectionSummary[] {
    const out = matches.filter((c) => {
      const w = this.#writes.get(c.id);
      return !(w && w.at >= sentAt && w.name !== name);
    });
    for (const id of this.#writtenNames.get(name) ?? []) {
      const w = this.#writes.get(id);
      if (!w) continue;
      if (w.at >= sentAt && w.name === name && !out.some((c) => c.id === id)) out.push({ id, name });
    }
    return out;
  }

  /** One name's own `GET ?name=` call. */
  async #lookUpAlone(name: string, deadlineMs: number | undefined): Promise<CollectionSummary[]> {
    const sentAt = this.#now();
    this.stats.nameCalls++;
    const { data } = await this.#client().collections.list(
      { name },
      deadlineMs === undefined ? {} : { deadlineMs },
    );
    const matches = data.filter((c) => c.name === name);
    this.#named.set(name, { sentAt, matches });
    return this.#withWrites(name, sentAt, matches);
  }

  /**
   * The lookups that arrived together: one list for all when more than one name is looked up or
   * announced; else `undefined`: the one name makes its own `?name=` call.
   */
  async #lookupBatch(keys: readonly LookupKey[]): Promise<(Listing | undefined | Error)[]> {
    let call = this.#usable(Math.max(...keys.map((k) => k.notBefore)));
    const names = new Set([...keys.map((k) => k.name), ...this.#begun.keys()]);
    if (!call && names.size > 1 && !this.#listsOff) call = this.#list();
    const listing = call ? await settle(call.listing) : undefined;
    return keys.map(() => listing);
  }
}

function indexed(sentAt: number, data: CollectionSummary[]): Listing {
  const byId = new Map<string, CollectionSummary>();
  const byName = new Map<string, CollectionSummary[]>();
  for (const c of data) {
    byId.set(c.id, c);
    const same = byName.get(c.name);
    if (same) same.push(c);
    else byName.set(c.name, [c]);
  }
  return { sentAt, byId, byName };
}

/** The value, or the error it failed with. */
async function settle<T>(p: Promise<T>): Promise<T | Error> {
  try {
    return await p;
  } catch (e) {
    return asError(e);
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
