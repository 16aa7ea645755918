import { json } from "../http";
import { Router } from "../router";
import { createCollection, getCollection, listCollections, updateCollection } from "./collections";
import type { ApiRoute } from "./context";
import { getJobResult, getRun, listJobs, listRuns, startRun } from "./runs";

const COLLECTION = "/v1/async/collections/:collectionId";
const RUN = `${COLLECTION}/runs/:runId`;

/** Builds the router for the public API (everything under `/v1`). */
export function apiRouter(): Router<ApiRoute> {
  const authed = (handle: ApiRoute["handle"]): ApiRoute => ({ auth: true, handle });
  return new Router<ApiRoute>()
    .add("GET", "/v1/health", { auth: false, handle: () => json(200, { status: "ok" }) })
    .add("POST", "/v1/async/collections", authed(createCollection))
    .add("GET", "/v1/async/collections", authed(listCollections))
    .add("GET", COLLECTION, authed(getCollection))
    .add("PUT", COLLECTION, authed(updateCollection))
    .add("POST", `${COLLECTION}/run`, authed(startRun))
    .add("GET", `${COLLECTION}/runs`, authed(listRuns))
    .add("GET", RUN, authed(getRun))
    .add("GET", `${RUN}/jobs`, authed(listJobs))
    .add("GET", `${RUN}/jobs/:jobId/result`, authed(getJobResult));
}
