import { path } from "../path";
import type { ApiResponse, Requester, RequestOptions } from "../requester";
import {
  CollectionList,
  CollectionSummary,
  CollectionWriteResult,
  type CreateCollectionBody,
  type ListCollectionsQuery,
  type UpdateCollectionBody,
} from "../schemas";

/** `/v1/async/collections`. */
export class CollectionsResource {
  constructor(private readonly client: Requester) {}

  /**
   * `POST /v1/async/collections`. With an `idempotencyKey` the call is retried on transient
   * failures and a replay is reported as `replayed: true`; without one it is never retried.
   */
  async create(
    body: CreateCollectionBody,
    options: Pick<RequestOptions, "idempotencyKey" | "deadlineMs"> = {},
  ): Promise<ApiResponse<CollectionWriteResult>> {
    return this.client.request("POST", "/v1/async/collections", CollectionWriteResult, { ...options, body });
  }

  /** `GET /v1/async/collections` with optional filters (AND-ed). */
  async list(
    query: ListCollectionsQuery = {},
    options: Pick<RequestOptions, "deadlineMs"> = {},
  ): Promise<ApiResponse<CollectionSummary[]>> {
    return this.client.request("GET", "/v1/async/collections", CollectionList, {
      ...options,
      query: { ...query },
    });
  }

  /** `GET /v1/async/collections/{id}`. Throws `NotFoundError` for an unknown id. */
  async get(
    id: string,
    options: Pick<RequestOptions, "deadlineMs"> = {},
  ): Promise<ApiResponse<CollectionSummary>> {
    return this.client.request("GET", path`/v1/async/collections/${id}`, CollectionSummary, options);
  }

  /** `PUT /v1/async/collections/{id}`: replaces the name and the whole request list. */
  async update(
    id: string,
    body: UpdateCollectionBody,
    options: Pick<RequestOptions, "deadlineMs"> = {},
  ): Promise<ApiResponse<CollectionWriteResult>> {
    return this.client.request("PUT", path`/v1/async/collections/${id}`, CollectionWriteResult, {
      ...options,
      body,
    });
  }
}
