import { randomUUID } from "node:crypto";
import { parseIso8601, toEpochSeconds } from "../clock";
import { type ApiResponse, detail, json, parseJsonBody, validationError } from "../http";
import {
  bodyFingerprint,
  IDEMPOTENCY_IN_PROGRESS_DETAIL,
  IDEMPOTENCY_MISMATCH_DETAIL,
  MAX_IDEMPOTENCY_KEY_LENGTH,
} from "../idempotency";
import { checkCustomIds, createdMessage, prepareRequests } from "../request-list";
import type { StoredCollection } from "../store";
import { validateCreateBody, validateUpdateBody } from "../validation";
import type { ApiHandler } from "./context";

/** 404 detail for an unknown collection id. */
export const COLLECTION_NOT_FOUND = "Collection not found";

/** `POST /v1/async/collections`. */
export const createCollection: ApiHandler = (request, { store, hosts }) => {
  const key = request.idempotencyKey;
  if (key !== null && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    return detail(400, `Idempotency-Key must be between 1 and ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long`);
  }
  const parsed = parseJsonBody(request.rawBody);
  if (!parsed.ok) return parsed.response;

  let fingerprint = "";
  if (key !== null) {
    if (request.idempotencyConflict) return detail(409, IDEMPOTENCY_IN_PROGRESS_DETAIL);
    fingerprint = bodyFingerprint(parsed.value ?? null);
    const record = store.getIdempotency(request.scope, key);
    if (record !== undefined) {
      if (record.fingerprint !== fingerprint) return detail(422, IDEMPOTENCY_MISMATCH_DETAIL);
      return { status: record.status, body: record.body, headers: { "idempotency-replayed": "true" } };
    }
  }

  const body = validateCreateBody(parsed.value);
  if (!body.ok) return validationError(body.issues);
  const customIdProblem = checkCustomIds(body.value.requests);
  if (customIdProblem !== null) return detail(400, customIdProblem);

  const prepared = prepareRequests(body.value.requests, hosts);
  const now = store.now();
  const collection: StoredCollection = {
    id: randomUUID(),
    name: body.value.name,
    requests: prepared.accepted,
    callback_url: body.value.callback_url,
    created_at: now,
    updated_at: now,
  };
  const response = json(201, {
    id: collection.id,
    name: collection.name,
    message: createdMessage(prepared.blocked.length),
    duplicates_skipped: prepared.duplicatesSkipped,
    blocked_urls: prepared.blocked,
  });
  store.createCollection(
    collection,
    key === null
      ? null
      : {
          scope: request.scope,
          key,
          fingerprint,
          status: response.status,
          body: response.body,
          created_at: now,
        },
  );
  return response;
};

/** `GET /v1/async/collections?name=&name_prefix=&since=`: a bare array, oldest first. */
export const listCollections: ApiHandler = (request, { store }) => {
  const name = request.query.get("name");
  const prefix = request.query.get("name_prefix");
  const sinceText = request.query.get("since");
  let since: number | null = null;
  if (sinceText !== null) {
    since = parseIso8601(sinceText);
    if (since === null) {
      return validationError([
        {
          loc: ["query", "since"],
          msg: "Input should be a valid ISO 8601 datetime",
          type: "datetime_parsing",
        },
      ]);
    }
  }
  const items = store
    .listCollections()
    .filter(
      (c) =>
        (name === null || c.name === name) &&
        (prefix === null || c.name.startsWith(prefix)) &&
        (since === null || c.created_at >= since),
    )
    // Stable sort: creation order breaks ties.
    .sort((a, b) => a.created_at - b.created_at)
    .map(collectionResource);
  return json(200, items);
};

/** `GET /v1/async/collections/{id}`. */
export const getCollection: ApiHandler = (request, { store }) => {
  const collection = store.getCollection(request.params["collectionId"] ?? "");
  return collection === undefined
    ? detail(404, COLLECTION_NOT_FOUND)
    : json(200, collectionResource(collection));
};

/** `PUT /v1/async/collections/{id}`: renames and/or replaces the request list. */
export const updateCollection: ApiHandler = (request, { store, hosts }): ApiResponse => {
  const parsed = parseJsonBody(request.rawBody);
  if (!parsed.ok) return parsed.response;
  const body = validateUpdateBody(parsed.value);
  if (!body.ok) return validationError(body.issues);
  const collection = store.getCollection(request.params["collectionId"] ?? "");
  if (collection === undefined) return detail(404, COLLECTION_NOT_FOUND);

  let requests = null;
  let duplicatesSkipped = 0;
  let blocked: ReturnType<typeof prepareRequests>["blocked"] = [];
  if (body.value.requests !== null) {
    const customIdProblem = checkCustomIds(body.value.requests);
    if (customIdProblem !== null) return detail(400, customIdProblem);
    const prepared = prepareRequests(body.value.requests, hosts);
    requests = prepared.accepted;
    duplicatesSkipped = prepared.duplicatesSkipped;
    blocked = prepared.blocked;
  }
  const name = body.value.name ?? collection.name;
  store.updateCollection(collection.id, name, requests, Math.max(store.now(), collection.updated_at));
  return json(200, {
    id: collection.id,
    name,
    message: "Collection updated successfully.",
    duplicates_skipped: duplicatesSkipped,
    blocked_urls: blocked,
  });
};

/** The public view of a collection (no requests, no callback URL). */
export function collectionResource(collection: StoredCollection) {
  return {
    id: collection.id,
    name: collection.name,
    created_at: toEpochSeconds(collection.created_at),
    updated_at: toEpochSeconds(collection.updated_at),
  };
}
