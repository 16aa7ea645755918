import { path } from "../path";
import type { ApiResponse, Requester } from "../requester";
import { JobList, JobResult } from "../schemas";

/** `/v1/async/collections/{cid}/runs/{rid}/jobs`. */
export class JobsResource {
  constructor(private readonly client: Requester) {}

  /** Lists a run's jobs (shape undocumented: parsed leniently). */
  async list(collectionId: string, runId: string): Promise<ApiResponse<JobList>> {
    return this.client.request(
      "GET",
      path`/v1/async/collections/${collectionId}/runs/${runId}/jobs`,
      JobList,
    );
  }

  /** One job's result; kept 24 h by the API, `NotFoundError` afterwards. */
  async result(collectionId: string, runId: string, jobId: string): Promise<ApiResponse<JobResult>> {
    return this.client.request(
      "GET",
      path`/v1/async/collections/${collectionId}/runs/${runId}/jobs/${jobId}/result`,
      JobResult,
    );
  }
}
