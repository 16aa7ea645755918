import { randomUUID } from "node:crypto";
import { detail, json, parseJsonBody, validationError } from "../http";
import {
  finishedJobCount,
  jobFinishedAt,
  jobListItem,
  jobResult,
  RESULT_TTL_MS,
  runCountersAt,
  runListItem,
  runResource,
} from "../runs";
import type { Store, StoredCollection, StoredRun } from "../store";
import { validateRunBody } from "../validation";
import { COLLECTION_NOT_FOUND } from "./collections";
import type { ApiHandler, ApiRequest } from "./context";

/** 404 detail for an unknown run (or a run of another collection). */
export const RUN_NOT_FOUND = "Run not found";

/** 404 detail for an unknown job. */
export const JOB_NOT_FOUND = "Job not found";

/**
 * `POST /v1/async/collections/{id}/run`. The body is optional; `{"callback_url": ...}` in it overrides
 * the collection's callback URL for this run (`null` turns the webhook off).
 */
export const startRun: ApiHandler = (request, { store, jobDurationMs, webhooks }) => {
  const parsed = parseJsonBody(request.rawBody);
  if (!parsed.ok) return parsed.response;
  const body = validateRunBody(parsed.value);
  if (!body.ok) return validationError(body.issues);
  const collection = store.getCollection(request.params["collectionId"] ?? "");
  if (collection === undefined) return detail(404, COLLECTION_NOT_FOUND);

  const callbackUrl =
    body.value.callback_url === undefined ? collection.callback_url : body.value.callback_url;
  const run: StoredRun = {
    run_id: randomUUID(),
    collection_id: collection.id,
    callback_url: callbackUrl,
    callback_status: callbackUrl === null ? null : "pending",
    created_at: store.now(),
    job_duration_ms: jobDurationMs,
    jobs: collection.requests.map((r) => ({
      job_id: randomUUID(),
      url: String(r["url"]),
      custom_id: typeof r["custom_id"] === "string" ? r["custom_id"] : null,
    })),
  };
  store.createRun(run);
  webhooks.schedule();
  // A new run is reported as started even when its jobs finish instantly (documented behaviour).
  return json(
    200,
    runResource(run, {
      status: "in_progress",
      total_requests: run.jobs.length,
      success_requests: 0,
      failed_requests: 0,
      timeout_requests: 0,
    }),
  );
};

/** `GET /v1/async/collections/{id}/runs?status_filter=`: `{items, total}`, newest first. */
export const listRuns: ApiHandler = (request, { store }) => {
  const collection = findCollection(request, store);
  if (collection === undefined) return detail(404, COLLECTION_NOT_FOUND);
  const now = store.now();
  const filter = request.query.get("status_filter");
  const items = [...store.runsOf(collection.id)]
    .reverse()
    .map((run) => runListItem(run, now))
    .filter((item) => filter === null || item.status === filter);
  return json(200, { items, total: items.length });
};

/** `GET /v1/async/collections/{id}/runs/{run_id}`. */
export const getRun: ApiHandler = (request, { store }) => {
  const found = findRun(request, store);
  if (typeof found === "string") return detail(404, found);
  return json(200, runResource(found, runCountersAt(found, store.now())));
};

/** `GET .../runs/{run_id}/jobs`: `{items, total}` in job order. */
export const listJobs: ApiHandler = (request, { store }) => {
  const found = findRun(request, store);
  if (typeof found === "string") return detail(404, found);
  const now = store.now();
  const items = found.jobs.map((_, i) => jobListItem(found, i, now));
  return json(200, { items, total: items.length });
};

/** `GET .../runs/{run_id}/jobs/{job_id}/result`: 404 until the job finishes and 24 h after. */
export const getJobResult: ApiHandler = (request, { store }) => {
  const found = findRun(request, store);
  if (typeof found === "string") return detail(404, found);
  const index = found.jobs.findIndex((j) => j.job_id === request.params["jobId"]);
  if (index < 0) return detail(404, JOB_NOT_FOUND);
  const now = store.now();
  if (index >= finishedJobCount(found, now)) return detail(404, "Job has not finished yet");
  if (now - jobFinishedAt(found, index) >= RESULT_TTL_MS) return detail(404, "Job result has expired");
  return json(200, jobResult(found, index));
};

function findCollection(request: ApiRequest, store: Store): StoredCollection | undefined {
  return store.getCollection(request.params["collectionId"] ?? "");
}

function findRun(request: ApiRequest, store: Store): StoredRun | string {
  const collection = findCollection(request, store);
  if (collection === undefined) return COLLECTION_NOT_FOUND;
  const run = store.getRun(request.params["runId"] ?? "");
  if (run === undefined || run.collection_id !== collection.id) return RUN_NOT_FOUND;
  return run;
}
