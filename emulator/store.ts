import { EmulatorClock } from "./clock";
import { Journal } from "./journal";
import type { JsonObject } from "./json";

/** A collection as the emulator stores it. Times are emulator epoch milliseconds. */
export interface StoredCollection {
  /** The collection's id (a UUID). */
  id: string;
  /** The collection's name. */
  name: string;
  /** The accepted requests, exactly as submitted (after dropping blocked URLs and duplicates). */
  requests: JsonObject[];
  /** The webhook URL given at creation, or `null`. */
  callback_url: string | null;
  /** Emulator epoch milliseconds of the create (the API answers in seconds). */
  created_at: number;
  /** Emulator epoch milliseconds of the last update (the API answers in seconds). */
  updated_at: number;
}

/** One job of a run: a snapshot of one stored request taken when the run started. */
export interface StoredJob {
  /** The job's id. */
  job_id: string;
  /** The URL to scrape, from the request. */
  url: string;
  /** The request's `custom_id`, or `null` without one. */
  custom_id: string | null;
}

/** Webhook delivery state of a run (`null` on the run when it has no callback URL). */
export type CallbackStatus = "pending" | "sent" | "failed";

/** A run as the emulator stores it. Job progress is derived from the clock, never stored. */
export interface StoredRun {
  /** The run's id. */
  run_id: string;
  /** The id of the collection it ran. */
  collection_id: string;
  /** The webhook called when the run completes: the run's own or the collection's; `null` without one. */
  callback_url: string | null;
  /** Delivery state of that webhook; `null` without one. */
  callback_status: CallbackStatus | null;
  /** Emulator epoch milliseconds when the run started. */
  created_at: number;
  /** Pace the run was started with: job i finishes at `created_at + (i + 1) * job_duration_ms`. */
  job_duration_ms: number;
  /** One job per request of the collection when the run started (after dedup). */
  jobs: StoredJob[];
}

/** A completed create remembered under its `Idempotency-Key`. */
export interface IdempotencyRecord {
  /** Hash of the API key the request authenticated with: keys are scoped per API key. */
  scope: string;
  key: string;
  /** sha256 of the RFC 8785 canonical request body. */
  fingerprint: string;
  status: number;
  /** The original response body, replayed byte for byte. */
  body: string;
  /** Emulator epoch milliseconds of first use. */
  created_at: number;
}

/** How long an idempotency record is replayed, in emulator milliseconds. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Everything the store persists, as one snapshot. */
export interface StoreSnapshot {
  clock_offset_ms: number;
  collections: StoredCollection[];
  runs: StoredRun[];
  idempotency: IdempotencyRecord[];
}

/** One journal line. Each mutation is a single line, so it is committed atomically. */
export type StoreEvent =
  | ({ t: "snapshot"; v: 1 } & StoreSnapshot)
  | { t: "collection.create"; collection: StoredCollection; idempotency: IdempotencyRecord | null }
  | { t: "collection.update"; id: string; name: string; requests: JsonObject[] | null; updated_at: number }
  | { t: "collection.remove"; id: string }
  | { t: "run.create"; run: StoredRun }
  | { t: "run.callback"; run_id: string; callback_status: CallbackStatus }
  | { t: "clock"; offset_ms: number };

/** Options for {@link Store.open}. */
export interface StoreOptions {
  /** Journal file; without it the state lives in memory only. */
  dataPath?: string;
  /** `fdatasync` after each journal append. @default false */
  fsync?: boolean;
}

/**
 * The emulator's persistent state. Every mutation is an event that is appended to the journal (when
 * there is one) and then applied, so replaying the journal rebuilds exactly the acknowledged state.
 * All methods are synchronous: a request handler's commit can never interleave with another's.
 */
export class Store {
  /** The emulator clock; its offset is part of the persisted state. */
  readonly clock = new EmulatorClock();
  private collections = new Map<string, StoredCollection>();
  private runs = new Map<string, StoredRun>();
  private runsByCollection = new Map<string, StoredRun[]>();
  private idempotency = new Map<string, IdempotencyRecord>();
  private journal: Journal<StoreEvent> | null = null;

  /** Opens a store, replaying and compacting the journal at `options.dataPath` when given. */
  static open(options: StoreOptions = {}): Store {
    const store = new Store();
    if (options.dataPath !== undefined) {
      store.journal = Journal.open<StoreEvent>(
        options.dataPath,
        (events) => {
          for (const event of events) store.apply(event);
        },
        () => store.snapshotEvent(),
        options.fsync ?? false,
      );
    }
    return store;
  }

  /** Emulator time in epoch milliseconds. */
  now(): number {
    return this.clock.now();
  }

  /** A collection by id. */
  getCollection(id: string): StoredCollection | undefined {
    return this.collections.get(id);
  }

  /** All collections in creation order. */
  listCollections(): StoredCollection[] {
    return [...this.collections.values()];
  }

  /** A run by id. */
  getRun(runId: string): StoredRun | undefined {
    return this.runs.get(runId);
  }

  /** A collection's runs, oldest first. */
  runsOf(collectionId: string): readonly StoredRun[] {
    return this.runsByCollection.get(collectionId) ?? [];
  }

  /** Every run, oldest first. */
  listRuns(): StoredRun[] {
    return [...this.runs.values()];
  }

  /** The unexpired idempotency record for `key` within `scope`. */
  getIdempotency(scope: string, key: string): IdempotencyRecord | undefined {
    const record = this.idempotency.get(idempotencyMapKey(scope, key));
    if (record === undefined || this.now() - record.created_at >= IDEMPOTENCY_TTL_MS) return undefined;
    return record;
  }

  /** Stores a new collection, and its idempotency record in the same journal line. */
  createCollection(collection: StoredCollection, idempotency: IdempotencyRecord | null): void {
    this.commit({ t: "collection.create", collection, idempotency });
  }

  /** Renames a collection and, when `requests` is not null, replaces its request list. */
  updateCollection(id: string, name: string, requests: JsonObject[] | null, updatedAt: number): void {
    this.commit({ t: "collection.update", id, name, requests, updated_at: updatedAt });
  }

  /**
   * Removes a collection, as something outside the API would (the API has no delete). Its
   * idempotency record stays, so a replay still answers with the removed id.
   * @returns whether it existed
   */
  removeCollection(id: string): boolean {
    if (!this.collections.has(id)) return false;
    this.commit({ t: "collection.remove", id });
    return true;
  }

  /** Stores a new run. */
  createRun(run: StoredRun): void {
    this.commit({ t: "run.create", run });
  }

  /** Records the outcome of a run's webhook delivery. */
  setCallbackStatus(runId: string, callbackStatus: CallbackStatus): void {
    this.commit({ t: "run.callback", run_id: runId, callback_status: callbackStatus });
  }

  /** Moves emulator time forward; returns the new emulator time. */
  advanceClock(ms: number): number {
    this.commit({ t: "clock", offset_ms: this.clock.offsetMs + ms });
    return this.now();
  }

  /** Forgets everything, including the journal's contents and the clock offset. */
  reset(): void {
    this.collections.clear();
    this.runs.clear();
    this.runsByCollection.clear();
    this.idempotency.clear();
    this.clock.offsetMs = 0;
    this.journal?.compact(this.snapshotEvent());
  }

  /** Flushes and closes the journal. */
  close(): void {
    this.journal?.close();
    this.journal = null;
  }

  private commit(event: StoreEvent): void {
    // Journal first: if the write fails, nothing is applied and the request fails.
    this.journal?.append(event);
    this.apply(event);
  }

  private apply(event: StoreEvent): void {
    switch (event.t) {
      case "snapshot":
        this.collections = new Map(event.collections.map((c) => [c.id, c]));
        this.runs = new Map();
        this.runsByCollection = new Map();
        for (const run of event.runs) this.addRun(run);
        this.idempotency = new Map(event.idempotency.map((r) => [idempotencyMapKey(r.scope, r.key), r]));
        this.clock.offsetMs = event.clock_offset_ms;
        return;
      case "collection.create":
        this.collections.set(event.collection.id, event.collection);
        if (event.idempotency !== null) {
          const r = event.idempotency;
          this.idempotency.set(idempotencyMapKey(r.scope, r.key), r);
        }
        return;
      case "collection.update": {
        const collection = this.collections.get(event.id);
        if (collection === undefined) return;
        collection.name = event.name;
        if (event.requests !== null) collection.requests = event.requests;
        collection.updated_at = event.updated_at;
        return;
      }
      case "collection.remove":
        this.collections.delete(event.id);
        return;
      case "run.create":
        this.addRun(event.run);
        return;
      case "run.callback": {
        const run = this.runs.get(event.run_id);
        if (run !== undefined) run.callback_status = event.callback_status;
        return;
      }
      case "clock":
        this.clock.offsetMs = event.offset_ms;
        return;
    }
  }

  private addRun(run: StoredRun): void {
    this.runs.set(run.run_id, run);
    const list = this.runsByCollection.get(run.collection_id);
    if (list === undefined) this.runsByCollection.set(run.collection_id, [run]);
    else list.push(run);
  }

  private snapshotEvent(): StoreEvent {
    const now = this.now();
    return {
      t: "snapshot",
      v: 1,
      clock_offset_ms: this.clock.offsetMs,
      collections: [...this.collections.values()],
      runs: [...this.runs.values()],
      // Expired records are dropped here; they are never replayed anyway.
      idempotency: [...this.idempotency.values()].filter((r) => now - r.created_at < IDEMPOTENCY_TTL_MS),
    };
  }
}

function idempotencyMapKey(scope: string, key: string): string {
  return `${scope}\n${key}`;
}
