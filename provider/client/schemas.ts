/**
 * zod schemas of the ScrapingPros API, the single source of truth for its types.
 *
 * Responses are lenient: fields that later doc versions added are optional or nullable and unknown
 * keys are dropped (`z.object`), so an older or newer server does not break the client. Request
 * objects keep unknown keys (`z.looseObject`): the per-request parameter reference is not documented
 * in full, so anything the user writes is passed through unchanged.
 */
import { z } from "zod";

/** One action of a scrape request, e.g. `{ type: "wait-for-timeout", time: 5000 }`. Open-ended. */
export const ScrapeAction = z.looseObject({ type: z.string() });
export type ScrapeAction = z.infer<typeof ScrapeAction>;

/** One scrape request inside a collection (the body format of `POST /v1/sync/scrape` plus `custom_id`). */
export const ScrapeRequest = z.looseObject({
  url: z.string(),
  custom_id: z.string().max(255).optional(),
  browser: z.boolean().optional(),
  screenshot: z.boolean().optional(),
  use_proxy: z.string().optional(),
  actions: z.array(ScrapeAction).optional(),
});
export type ScrapeRequest = z.infer<typeof ScrapeRequest>;

/** Body of `POST /v1/async/collections`. */
export const CreateCollectionBody = z.object({
  name: z.string().min(1),
  requests: z.array(ScrapeRequest),
  callback_url: z.string().optional(),
});
export type CreateCollectionBody = z.infer<typeof CreateCollectionBody>;

/** Body of `PUT /v1/async/collections/{id}`: always the full name and the full list. */
export const UpdateCollectionBody = z.object({
  name: z.string().min(1),
  requests: z.array(ScrapeRequest),
});
export type UpdateCollectionBody = z.infer<typeof UpdateCollectionBody>;

/** A URL the API refused on create (SSRF protection). `reason` keeps unknown values as they are. */
export const BlockedUrl = z.object({
  index: z.number().int(),
  url: z.string(),
  reason: z.string(),
  message: z.string().optional(),
});
export type BlockedUrl = z.infer<typeof BlockedUrl>;

/** Response of a create (201) or an update. Older servers omit the last two fields. */
export const CollectionWriteResult = z.object({
  id: z.string(),
  name: z.string(),
  message: z.string().optional(),
  duplicates_skipped: z.number().int().nonnegative().default(0),
  blocked_urls: z.array(BlockedUrl).default([]),
});
export type CollectionWriteResult = z.infer<typeof CollectionWriteResult>;

const epochSeconds = z.number().nullable().optional();

/** A collection as GET and list return it: no requests, no callback_url. */
export const CollectionSummary = z.object({
  id: z.string(),
  name: z.string(),
  created_at: epochSeconds,
  updated_at: epochSeconds,
});
export type CollectionSummary = z.infer<typeof CollectionSummary>;

/** `GET /v1/async/collections`: a bare array. */
export const CollectionList = z.array(CollectionSummary);

/** Filters of the collections list, AND-ed. `since` is ISO 8601 UTC. */
export interface ListCollectionsQuery {
  name?: string;
  name_prefix?: string;
  since?: string;
}

/** A run. Only `run_id` and `status` are always present; unknown statuses are kept as strings. */
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
export type Run = z.infer<typeof Run>;

/** `GET .../runs`: `{items, total}`. */
export const RunList = z.object({ items: z.array(Run), total: z.number().int().optional() });
export type RunList = z.infer<typeof RunList>;

/** One job of a run. The shape is undocumented, so every field but the id is optional and open. */
export const Job = z.looseObject({
  job_id: z.string().optional(),
  id: z.string().optional(),
  url: z.string().optional(),
  custom_id: z.string().nullable().optional(),
  status: z.string().optional(),
});
export type Job = z.infer<typeof Job>;

/** `GET .../jobs`: accepted as `{items, total}` or as a bare array. */
export const JobList = z
  .union([z.object({ items: z.array(Job), total: z.number().int().optional() }), z.array(Job)])
  .transform((v) => (Array.isArray(v) ? { items: v, total: v.length } : v));
export type JobList = z.infer<typeof JobList>;

/** `GET .../jobs/{job_id}/result` (kept 24 h). Note the camelCase field names of this one endpoint. */
export const JobResult = z.looseObject({
  html: z.string().optional(),
  statusCode: z.number().int().optional(),
  timings: z.record(z.string(), z.number()).optional(),
  potentiallyBlockedByCaptcha: z.boolean().optional(),
  custom_id: z.string().nullable().optional(),
});
export type JobResult = z.infer<typeof JobResult>;

/** `GET /v1/health`: shape undocumented. */
export const Health = z.looseObject({});
export type Health = z.infer<typeof Health>;

/** Run list filter. Only `in_progress` is documented; other values are passed as given. */
export interface ListRunsQuery {
  status_filter?: string;
}
