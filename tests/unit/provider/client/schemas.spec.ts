import * as assert from "node:assert/strict";
import {
  CollectionList,
  CollectionSummary,
  CollectionWriteResult,
  CreateCollectionBody,
  JobList,
  JobResult,
  Run,
  RunList,
  ScrapeRequest,
} from "../../../../provider/client/schemas";
import { DOC_BLOCKED_MESSAGE, DOC_BLOCKED_URLS } from "../../../helpers/reference";

/**
 * Conformance: every response example of the API reference (shared/api/scrapingpros-api.md, and the
 * seed page it quotes) parses, including the older doc versions' shorter shapes.
 */
describe("schemas: the reference's examples", () => {
  it("create 201, newer docs", () => {
    const r = CollectionWriteResult.parse({
      id: "c38b0bcf-cb7c-4728-8704-2c2e267dcff9",
      name: "My collection",
      message: "Collection created successfully.",
      duplicates_skipped: 0,
      blocked_urls: [],
    });
    assert.equal(r.id, "c38b0bcf-cb7c-4728-8704-2c2e267dcff9");
  });

  it("create 201 with blocked URLs", () => {
    const r = CollectionWriteResult.parse({
      id: "c38b0bcf-…",
      name: "Daily tours",
      message: DOC_BLOCKED_MESSAGE,
      duplicates_skipped: 0,
      blocked_urls: DOC_BLOCKED_URLS,
    });
    assert.deepEqual(r.blocked_urls, DOC_BLOCKED_URLS);
  });

  it("create and PUT responses of the older docs ({id, name, message}) default the newer fields", () => {
    const r = CollectionWriteResult.parse({
      id: "44a8c93d-a35e-4351-9565-7cd93b5ac296",
      name: "update collection",
      message: "Collection updated successfully.",
    });
    assert.equal(r.duplicates_skipped, 0);
    assert.deepEqual(r.blocked_urls, []);
  });

  it("an unknown blocked-URL reason and unknown response keys are kept or dropped, never fatal", () => {
    const r = CollectionWriteResult.parse({
      id: "x",
      name: "n",
      blocked_urls: [{ index: 0, url: "https://a", reason: "geo_restricted" }],
      cost: 3,
    });
    assert.equal(r.blocked_urls[0]?.reason, "geo_restricted");
    assert.equal("cost" in r, false);
  });

  it("list: a bare array, timestamps as epoch floats, null for old collections, or absent (older docs)", () => {
    const list = CollectionList.parse([
      {
        id: "c38b0bcf-cb7c-4728-8704-2c2e267dcff9",
        name: "new collection",
        created_at: 1777853200.5,
        updated_at: 1777853200.5,
      },
      {
        id: "11d6f8af-9a54-4b6c-b793-e12b77c86159",
        name: "new collection 2",
        created_at: null,
        updated_at: null,
      },
      { name: "old", id: "0" },
    ]);
    assert.deepEqual(
      list.map((c) => c.created_at),
      [1777853200.5, null, undefined],
    );
    assert.equal(CollectionSummary.parse({ id: "a", name: "b" }).name, "b");
  });

  it("run: the POST/GET example, the older FLOW shape, and unknown statuses", () => {
    const full = Run.parse({
      run_id: "9b64941a-4545-4c57-9174-c70e781d9192",
      status: "in_progress",
      total_requests: 2,
      success_requests: 0,
      failed_requests: 0,
      timeout_requests: 0,
      collection_id: "9634997b-6431-4b11-a4cb-fc00e941ba8d",
      job_ids: ["job-uuid-1", "job-uuid-2"],
      callback_url: "https://your-server.com/webhook",
      callback_status: "pending",
    });
    assert.equal(full.job_ids?.length, 2);
    assert.equal(Run.parse({ run_id: "r", status: "in_progress", total_requests: 2 }).job_ids, undefined);
    assert.equal(Run.parse({ run_id: "r", status: "partially_failed" }).status, "partially_failed");
  });

  it("runs list: {items, total} with created_at and null callbacks", () => {
    const r = RunList.parse({
      items: [
        {
          run_id: "9b64941a-4545-4c57-9174-c70e781d9192",
          status: "in_progress",
          total_requests: 100,
          success_requests: 73,
          failed_requests: 5,
          timeout_requests: 0,
          collection_id: "9634997b-6431-4b11-a4cb-fc00e941ba8d",
          callback_url: null,
          callback_status: null,
          created_at: 1777853217.82,
        },
      ],
      total: 1,
    });
    assert.equal(r.items[0]?.created_at, 1777853217.82);
  });

  it("jobs list: accepted as {items} or as a bare array (the shape is undocumented)", () => {
    assert.equal(
      JobList.parse({ items: [{ job_id: "j", url: "https://a", custom_id: null, status: "x" }] }).items
        .length,
      1,
    );
    assert.deepEqual(JobList.parse([{ id: "j" }]), { items: [{ id: "j" }], total: 1 });
  });

  it("job result: camelCase fields, open timings, unknown keys kept", () => {
    const r = JobResult.parse({
      html: "<!doctype html>...",
      statusCode: 200,
      timings: { queue_wait_ms: 45, proxy_ms: 120 },
      potentiallyBlockedByCaptcha: false,
      screenshot: "base64…",
    });
    assert.equal(r.statusCode, 200);
    assert.equal(r.screenshot, "base64…");
  });
});

describe("schemas: requests pass through", () => {
  it("unknown request fields and action types are kept unchanged", () => {
    const req = {
      url: "https://example.com",
      browser: true,
      screenshot: false,
      use_proxy: "any",
      actions: [
        { type: "wait-for-timeout", time: 5000 },
        { type: "future-action", selector: "#x" },
      ],
      headers: { "x-a": "1" },
    };
    assert.deepEqual(ScrapeRequest.parse(req), req);
  });

  it("custom_id over 255 characters and a missing name are refused", () => {
    assert.equal(ScrapeRequest.safeParse({ url: "https://a", custom_id: "x".repeat(256) }).success, false);
    assert.equal(CreateCollectionBody.safeParse({ requests: [] }).success, false);
  });
});
