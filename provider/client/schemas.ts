/**
 * zod schemas of the ScrapingPros API, the single source of truth for its types.
 *
 * Responses are lenient: fields that later doc versions added are optional or nullable and unknown
 * keys are dropped (`z.object`), so an older or newer server does not break the client. Request
 * objects keep unknown keys (`z.looseObject`): the per-request parameter reference is not documented
 * in full, so anything the user writes is passed through unchanged.
 */
import { z } from "zod";

/**
 * One action of a scrape request, e.g. `{ type: "wait-for-timeout", time: 5000 }`. Open-ended.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const ScrapeAction = z.looseObject({ type: z.string() });
/** One action of a scrape request, e.g. `{ type: "wait-for-timeout", time: 5000 }`. Open-ended (API reference §3). */
export interface ScrapeAction {
  /**
   * The action's kind. The only documented one is `"wait-for-timeout"` (with `time` in ms); other
   * kinds are passed through unchecked (API reference §3).
   */
  type: string;
  /** The action's other parameters, e.g. `time` (ms), sent as written. */
  [key: string]: unknown;
}

/**
 * One scrape request inside a collection (the body format of `POST /v1/sync/scrape` plus `custom_id`).
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const ScrapeRequest = z.looseObject({
  url: z.string(),
  custom_id: z.string().max(255).optional(),
  browser: z.boolean().optional(),
  screenshot: z.boolean().optional(),
  use_proxy: z.string().optional(),
  actions: z.array(ScrapeAction).optional(),
});
/** One scrape request inside a collection (the body format of `POST /v1/sync/scrape` plus `custom_id`), API reference §3. */
export interface ScrapeRequest {
  /** The page to scrape. Send an absolute `http(s)://` URL: others are blocked (API reference §2.1.3, §3). */
  url: string;
  /**
   * Caller's id for the request, at most 255 characters, echoed in job listings, results and the
   * webhook. Together with `url` it is the API's dedup key (API reference §2.1.1, §2.1.2).
   */
  custom_id?: string;
  /** Render with a headless browser instead of a plain HTTP fetch. API default unknown (API reference §3). */
  browser?: boolean;
  /** Capture a screenshot; probably only with `browser: true`. API default unknown (API reference §3). */
  screenshot?: boolean;
  /** Proxy choice; the only documented value is `"any"` (API reference §3). */
  use_proxy?: string;
  /** Browser actions, run in order (API reference §3). */
  actions?: ScrapeAction[];
  /** Any other scrape parameter, passed through unchanged. */
  [key: string]: unknown;
}

/**
 * Body of `POST /v1/async/collections`.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const CreateCollectionBody = z.object({
  name: z.string().min(1),
  requests: z.array(ScrapeRequest),
  callback_url: z.string().optional(),
});
/** Body of `POST /v1/async/collections` (API reference §2.1). */
export interface CreateCollectionBody {
  /** The collection's name, non-empty. The API does not require it to be unique (API reference §2.1). */
  name: string;
  /** The scrape requests, in order (API reference §2.1, §3). */
  requests: ScrapeRequest[];
  /** URL that gets a signed POST when a run of the collection finishes (API reference §2.1, §5). */
  callback_url?: string;
}

/**
 * Body of `PUT /v1/async/collections/{id}`: always the full name and the full list.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const UpdateCollectionBody = z.object({
  name: z.string().min(1),
  requests: z.array(ScrapeRequest),
});
/** Body of `PUT /v1/async/collections/{id}`: always the full name and the full list (API reference §2.4). */
export interface UpdateCollectionBody {
  /** The collection's new (or unchanged) name, non-empty. */
  name: string;
  /** The complete new request list: it replaces the stored one, there is no per-item patch (API reference §2.4). */
  requests: ScrapeRequest[];
}

/**
 * A URL the API refused on create (SSRF protection). `reason` keeps unknown values as they are.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const BlockedUrl = z.object({
  index: z.number().int(),
  url: z.string(),
  reason: z.string(),
  message: z.string().optional(),
});
/** A URL the API refused on create (SSRF protection). `reason` keeps unknown values as they are (API reference §2.1.3). */
export interface BlockedUrl {
  /** 0-based position of the refused request in the submitted `requests` array (API reference §2.1.3). */
  index: number;
  /** The URL as submitted. */
  url: string;
  /**
   * Why it was refused: `private_ip`, `dns_failed`, `blocked_hostname`, `invalid_protocol`,
   * `invalid_port`, `malformed_url` or `blocked` (API reference §2.1.3); other values are kept as given.
   */
  reason: string;
  /** The API's explanation for humans, when it sends one. */
  message?: string;
}

/**
 * Response of a create (201) or an update. Older servers omit the last two fields.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const CollectionWriteResult = z.object({
  id: z.string(),
  name: z.string(),
  message: z.string().optional(),
  duplicates_skipped: z.number().int().nonnegative().default(0),
  blocked_urls: z.array(BlockedUrl).default([]),
});
/** Response of a create (201) or an update. Older servers omit the last two fields (API reference §2.1, §2.4). */
export interface CollectionWriteResult {
  /** The collection's id (a UUID string). */
  id: string;
  /** The collection's name as stored. */
  name: string;
  /** Free text for humans; it changes when URLs are blocked, so it is not parsed (API reference §2.1). */
  message?: string;
  /** How many requests the API dropped as duplicates by `(url, custom_id)`; 0 when absent (API reference §2.1.2). */
  duplicates_skipped: number;
  /** The requests refused by SSRF protection; `[]` when absent (API reference §2.1.3). */
  blocked_urls: BlockedUrl[];
}

const epochSeconds = z.number().nullable().optional();

/**
 * A collection as GET and list return it: no requests, no callback_url.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const CollectionSummary = z.object({
  id: z.string(),
  name: z.string(),
  created_at: epochSeconds,
  updated_at: epochSeconds,
});
/** A collection as GET and list return it: no requests, no callback_url (API reference §2.2, §2.3). */
export interface CollectionSummary {
  /** The collection's id (a UUID string). */
  id: string;
  /** The collection's name. */
  name: string;
  /**
   * Creation time in epoch seconds (UTC, may have a fraction); `null` for collections older than the
   * field, absent on older servers (API reference §2.2).
   */
  created_at?: number | null;
  /** Last-update time in epoch seconds (UTC), with the same gaps as `created_at` (API reference §2.2). */
  updated_at?: number | null;
}

/**
 * `GET /v1/async/collections`: a bare array.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const CollectionList = z.array(CollectionSummary);
/** `GET /v1/async/collections`: a bare array of every collection, unpaginated (API reference §2.2). */
export type CollectionList = CollectionSummary[];

/** Filters of the collections list, AND-ed. `since` is ISO 8601 UTC. */
export interface ListCollectionsQuery {
  /** Exact name match (API reference §2.2). */
  name?: string;
  /** Names starting with this prefix (API reference §2.2). */
  name_prefix?: string;
  /** Created at or after this time, ISO 8601 UTC, e.g. `2026-04-30T11:00:00Z` (API reference §2.2). */
  since?: string;
}

/**
 * A run. Only `run_id` and `status` are always present; unknown statuses are kept as strings.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const Run = z.object({
  run_id: z.string(),
  status: z.string(),
  total_requests: z.number().int().optional(),
  success_requests: z.number().int().optional(),
  failed_requests: z.number().int().optional(),
  timeout_requests: z.number().int().optional(),
  collection_id: z.string().optional(),
  job_ids: z.array(z.string()).optional(),
  callback_url: z.string().nullable().optional(),
  callback_status: z.string().nullable().optional(),
  created_at: epochSeconds,
});
/** A run. Only `run_id` and `status` are always present; unknown statuses are kept as strings (API reference §4.1–§4.3). */
export interface Run {
  /** The run's id (a UUID string). */
  run_id: string;
  /**
   * `in_progress` while it runs, then e.g. `completed`; any value other than `in_progress` is
   * terminal, and unknown values are kept as given (API reference §4.3).
   */
  status: string;
  /** Number of jobs in the run. */
  total_requests?: number;
  /** Jobs that finished successfully so far. */
  success_requests?: number;
  /** Jobs that failed so far. */
  failed_requests?: number;
  /** Jobs that timed out so far. */
  timeout_requests?: number;
  /** The collection the run belongs to. */
  collection_id?: string;
  /** One id per job; absent from the runs list's items (API reference §4.1, §4.2). */
  job_ids?: string[];
  /** The webhook URL of the run, `null` without one. */
  callback_url?: string | null;
  /** Webhook delivery: `pending`, `sent`, or `null` without a webhook (API reference §4.3). */
  callback_status?: string | null;
  /** Creation time in epoch seconds (UTC, with a fraction); only the runs list's items carry it (API reference §4.2). */
  created_at?: number | null;
}

/**
 * `GET .../runs`: `{items, total}`.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const RunList = z.object({ items: z.array(Run), total: z.number().int().optional() });
/** `GET .../runs`: `{items, total}` (API reference §4.2). */
export interface RunList {
  /** The collection's runs, newest first. */
  items: Run[];
  /** The number of runs, when the server sends it. */
  total?: number;
}

/**
 * One job of a run. The shape is undocumented, so every field but the id is optional and open.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const Job = z.looseObject({
  job_id: z.string().optional(),
  id: z.string().optional(),
  url: z.string().optional(),
  custom_id: z.string().nullable().optional(),
  status: z.string().optional(),
});
/** One job of a run. The shape is undocumented, so every field but the id is optional and open (API reference §4.4). */
export interface Job {
  /** The job's id, under this name or as `id`. */
  job_id?: string;
  /** The job's id, under this name or as `job_id`. */
  id?: string;
  /** The URL the job scrapes. */
  url?: string;
  /** The request's `custom_id`, echoed back; `null` or absent without one. */
  custom_id?: string | null;
  /** The job's state, as the server words it. */
  status?: string;
  /** Any other field the server sends, kept as is. */
  [key: string]: unknown;
}

/**
 * `GET .../jobs`: accepted as `{items, total}` or as a bare array.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const JobList = z
  .union([z.object({ items: z.array(Job), total: z.number().int().optional() }), z.array(Job)])
  .transform((v) => (Array.isArray(v) ? { items: v, total: v.length } : v));
/** `GET .../jobs`: accepted as `{items, total}` or as a bare array, which is normalized to this envelope. */
export interface JobList {
  /** The run's jobs. */
  items: Job[];
  /** The number of jobs: the server's count, or the array's length when it sent a bare array. */
  total?: number;
}

/**
 * `GET .../jobs/{job_id}/result` (kept 24 h). Note the camelCase field names of this one endpoint.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const JobResult = z.looseObject({
  html: z.string().optional(),
  statusCode: z.number().int().optional(),
  timings: z.record(z.string(), z.number()).optional(),
  potentiallyBlockedByCaptcha: z.boolean().optional(),
  custom_id: z.string().nullable().optional(),
});
/** `GET .../jobs/{job_id}/result` (kept 24 h). Note the camelCase field names of this one endpoint (API reference §4.5). */
export interface JobResult {
  /** The page content. */
  html?: string;
  /** The target site's HTTP status code (camelCase in this endpoint only). */
  statusCode?: number;
  /** Named durations in ms, e.g. `queue_wait_ms`, `proxy_ms`; more may appear (API reference §4.5). */
  timings?: Record<string, number>;
  /** True when the page looks like a CAPTCHA or bot wall. */
  potentiallyBlockedByCaptcha?: boolean;
  /** The request's `custom_id`, when echoed back. */
  custom_id?: string | null;
  /** Any other field the server sends, kept as is. */
  [key: string]: unknown;
}

/**
 * `GET /v1/health`: shape undocumented.
 *
 * @internal The zod schema that checks it; the public type is the interface of the same name.
 */
export const Health = z.looseObject({});
/** `GET /v1/health`: any JSON object, the shape is undocumented (API reference §1.5). */
export interface Health {
  /** Whatever the API reports; nothing is documented. */
  [key: string]: unknown;
}

/** Run list filter. Only `in_progress` is documented; other values are passed as given. */
export interface ListRunsQuery {
  /** Only runs with this status, e.g. `in_progress` (API reference §4.2). */
  status_filter?: string;
}

// Compile-time checks that each interface above is exactly its schema's output type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchInterfaces: [
  Same<z.infer<typeof ScrapeAction>, ScrapeAction>,
  Same<z.infer<typeof ScrapeRequest>, ScrapeRequest>,
  Same<z.infer<typeof CreateCollectionBody>, CreateCollectionBody>,
  Same<z.infer<typeof UpdateCollectionBody>, UpdateCollectionBody>,
  Same<z.infer<typeof BlockedUrl>, BlockedUrl>,
  Same<z.infer<typeof CollectionWriteResult>, CollectionWriteResult>,
  Same<z.infer<typeof CollectionSummary>, CollectionSummary>,
  Same<z.infer<typeof CollectionList>, CollectionList>,
  Same<z.infer<typeof Run>, Run>,
  Same<z.infer<typeof RunList>, RunList>,
  Same<z.infer<typeof Job>, Job>,
  Same<z.infer<typeof JobList>, JobList>,
  Same<z.infer<typeof JobResult>, JobResult>,
  Same<z.infer<typeof Health>, Health>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true];
void schemasMatchInterfaces;
