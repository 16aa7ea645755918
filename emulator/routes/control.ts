import { toEpochSeconds } from "../clock";
import { type FaultRegistry, parseFault } from "../faults";
import { type ApiResponse, detail, json } from "../http";
import { isJsonObject } from "../json";
import type { RequestLog } from "../request-log";
import { Router } from "../router";
import { runCountersAt, runResource } from "../runs";
import type { Store } from "../store";
import type { WebhookDispatcher } from "../webhooks";

/** What the control API works with. */
export interface ControlServices {
  store: Store;
  faults: FaultRegistry;
  requestLog: RequestLog;
  webhooks: WebhookDispatcher;
  /** Empties state, journal, logs and faults, and releases held responses. */
  reset: () => void;
}

/** A control API handler: gets the parsed JSON body (`undefined` when empty). */
export type ControlHandler = (body: unknown, services: ControlServices) => ApiResponse;

/** Builds the router for the unauthenticated control API under `/__emulator`. */
export function controlRouter(): Router<ControlHandler> {
  return new Router<ControlHandler>()
    .add("POST", "/__emulator/faults", (body, { faults }) => {
      const parsed = parseFault(body);
      if (!parsed.ok) return detail(400, parsed.detail);
      faults.add(parsed.fault);
      return json(201, { id: parsed.fault.id });
    })
    .add("GET", "/__emulator/faults", (_, { faults }) => json(200, faults.list()))
    .add("DELETE", "/__emulator/faults", (_, { faults }) => {
      const cleared = faults.list().length;
      faults.clear();
      return json(200, { cleared });
    })
    .add("POST", "/__emulator/release", (body, { faults }) => {
      const id = isJsonObject(body) ? body["id"] : undefined;
      if (id !== undefined && id !== null && typeof id !== "string")
        return detail(400, "id must be a string");
      return json(200, { released: faults.release(id ?? undefined) });
    })
    .add("GET", "/__emulator/held", (_, { faults }) => json(200, faults.held()))
    .add("GET", "/__emulator/requests", (_, { requestLog }) => json(200, requestLog.list()))
    .add("DELETE", "/__emulator/requests", (_, { requestLog }) => {
      requestLog.clear();
      return json(200, { cleared: true });
    })
    .add("GET", "/__emulator/collections", (_, { store }) =>
      json(
        200,
        store.listCollections().map((c) => ({
          id: c.id,
          name: c.name,
          requests: c.requests,
          callback_url: c.callback_url,
          created_at: toEpochSeconds(c.created_at),
          updated_at: toEpochSeconds(c.updated_at),
        })),
      ),
    )
    .add("POST", "/__emulator/collections/remove", (body, { store }) => {
      const id = isJsonObject(body) ? body["id"] : undefined;
      if (typeof id !== "string") return detail(400, "id must be a string");
      return store.removeCollection(id) ? json(200, { removed: id }) : detail(404, "Collection not found");
    })
    .add("GET", "/__emulator/runs", (_, { store }) => {
      const now = store.now();
      return json(
        200,
        store.listRuns().map((run) => ({
          ...runResource(run, runCountersAt(run, now)),
          created_at: toEpochSeconds(run.created_at),
          job_duration_ms: run.job_duration_ms,
        })),
      );
    })
    .add("GET", "/__emulator/clock", (_, { store }) => json(200, { now: store.now() }))
    .add("POST", "/__emulator/clock", (body, { store, webhooks }) => {
      const advanceMs = isJsonObject(body) ? body["advanceMs"] : undefined;
      if (typeof advanceMs !== "number" || !Number.isFinite(advanceMs) || advanceMs < 0) {
        return detail(400, "advanceMs must be a non-negative number");
      }
      const now = store.advanceClock(advanceMs);
      webhooks.schedule();
      return json(200, { now });
    })
    .add("POST", "/__emulator/reset", (_, { reset }) => {
      reset();
      return json(200, { reset: true });
    })
    .add("GET", "/__emulator/webhooks", (_, { webhooks }) => json(200, webhooks.log()));
}
