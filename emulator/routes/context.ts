import type { IncomingHttpHeaders } from "node:http";
import type { ApiResponse } from "../http";
import type { HostMap } from "../ssrf";
import type { Store } from "../store";
import type { WebhookDispatcher } from "../webhooks";

/** What API handlers work with besides the request. */
export interface ApiServices {
  store: Store;
  /** Host map for the SSRF checks. */
  hosts: HostMap;
  /** Pace of new runs' jobs, in emulator milliseconds. */
  jobDurationMs: number;
  webhooks: WebhookDispatcher;
}

/** An authenticated API request with its body already read. */
export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Path parameters from the route pattern. */
  params: Record<string, string>;
  /** Idempotency scope of the API key the request authenticated with. */
  scope: string;
  /** The `Idempotency-Key` header, or `null`. */
  idempotencyKey: string | null;
  /** True when another request with the same key and scope had not been answered when this one arrived. */
  idempotencyConflict: boolean;
}

/**
 * A route handler. Handlers are synchronous: every state change is committed (journal included) before
 * they return, and the server decides afterwards whether and when the response goes out.
 */
export type ApiHandler = (request: ApiRequest, services: ApiServices) => ApiResponse;

/** A public API route. */
export interface ApiRoute {
  /** False only for the health check. */
  auth: boolean;
  handle: ApiHandler;
}
