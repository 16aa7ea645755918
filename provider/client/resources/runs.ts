import { ApiConnectionError, ApiError } from "../errors";
import { path } from "../path";
import type { ApiResponse, Requester } from "../requester";
import { type ListRunsQuery, Run, RunList } from "../schemas";

/** A started run, and whether it was found again after an unanswered POST. */
export interface StartedRun extends ApiResponse<Run> {
  /** True when the POST got no usable answer and the run was found through the runs list. */
  reattached: boolean;
}

/** `/v1/async/collections/{cid}/runs`. */
export class RunsResource {
  constructor(private readonly client: Requester) {}

  /**
   * `POST /v1/async/collections/{id}/run`. The API has no idempotency for runs, so the POST is
   * never retried blind: when it gets no answer (or a 5xx, after which the server may still have
   * started the run), the runs list is consulted first, in-progress runs via `status_filter`, and a
   * run created since the call started is re-attached. Only when none is found is the POST sent
   * again, up to the client's `maxRetries`.
   */
  async create(collectionId: string): Promise<StartedRun> {
    const startedAtSec = Date.now() / 1000;
    const maxAttempts = this.client.retryOptions.maxRetries + 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      try {
        const res = await this.client.request("POST", path`/v1/async/collections/${collectionId}/run`, Run, {
          retry: "never",
        });
        return { ...res, reattached: false };
      } catch (e) {
        const ambiguous = e instanceof ApiConnectionError || (e instanceof ApiError && e.status >= 500);
        if (!ambiguous) throw e;
        lastError = e;
      }
      const found = await this.#findStartedSince(collectionId, startedAtSec);
      if (found)
        return {
          data: found,
          status: 200,
          replayed: false,
          requestId: undefined,
          attempts: attempt + 1,
          reattached: true,
        };
    }
    throw lastError;
  }

  async #findStartedSince(collectionId: string, sinceSec: number): Promise<Run | undefined> {
    // Clock skew between us and the server is unknown; a small allowance keeps a just-started run.
    const recent = (r: Run) => r.created_at == null || r.created_at >= sinceSec - 5;
    const inProgress = await this.list(collectionId, { status_filter: "in_progress" });
    const live = inProgress.data.items.filter(recent);
    if (live.length > 0) return live[0];
    // A tiny collection may finish before we look: check the unfiltered list too.
    const all = await this.list(collectionId);
    return all.data.items.find((r) => r.created_at != null && r.created_at >= sinceSec - 5);
  }

  /** `GET .../runs`, newest first; `status_filter` narrows by status (e.g. `in_progress`). */
  async list(collectionId: string, query: ListRunsQuery = {}): Promise<ApiResponse<RunList>> {
    return this.client.request("GET", path`/v1/async/collections/${collectionId}/runs`, RunList, {
      query: { ...query },
    });
  }

  /** `GET .../runs/{run_id}`: counters and webhook delivery status. */
  async get(collectionId: string, runId: string): Promise<ApiResponse<Run>> {
    return this.client.request("GET", path`/v1/async/collections/${collectionId}/runs/${runId}`, Run);
  }
}
