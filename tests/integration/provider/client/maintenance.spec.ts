import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../../../emulator";
import { ScrapingProsClient } from "../../../../provider/client/client";
import { InternalServerError, type ScrapingProsError } from "../../../../provider/client/errors";
import { RateLimits } from "../../../../provider/client/rate-limits";
import { calls, closeTestClients, startTestEmulator, TEST_KEY, testClient } from "../../../helpers/emulator";

/**
 * A maintenance window, shortened: the emulator answers every PUT 503 with `Retry-After: 1`
 * for about 3 s. Waits the API asks for count against `maxThrottleWaitMs`, not `deadlineMs`, so 20
 * concurrent updates with a deadline shorter than the window all succeed, at a bounded pace.
 */
describe("a maintenance window against the emulator (503 + Retry-After on every PUT)", () => {
  let emu: RunningEmulator;
  const ids: string[] = [];
  const own: ScrapingProsClient[] = [];

  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    await emu.stop();
  });
  beforeEach(async () => {
    emu.reset();
    ids.length = 0;
    const { client } = testClient(emu);
    for (let i = 0; i < 20; i++) {
      const { data } = await client.collections.create(
        { name: `m${i}`, requests: [] },
        { idempotencyKey: `m-${i}` },
      );
      ids.push(data.id);
    }
    emu.addFault({
      method: "PUT",
      path: "/v1/async/collections/*",
      action: "status",
      status: 503,
      retryAfter: "1",
      times: 100_000,
    });
  });
  afterEach(async () => {
    await closeTestClients();
    await Promise.all(own.splice(0).map((c) => c.close()));
  });

  const client = (extra: Partial<ConstructorParameters<typeof ScrapingProsClient>[0]>) => {
    const c = new ScrapingProsClient({
      apiKey: TEST_KEY,
      baseUrl: emu.url,
      rateLimits: new RateLimits(),
      ...extra,
    });
    own.push(c);
    return c;
  };
  /** Ends the window after `ms`, as the API coming back from maintenance. */
  const endWindowAfter = (ms: number) =>
    new Promise<void>((resolve, reject) =>
      setTimeout(() => {
        fetch(`${emu.url}/__emulator/faults`, { method: "DELETE" }).then(() => resolve(), reject);
      }, ms),
    );

  it("20 concurrent updates with a 1 s deadline outlast a 3 s window: all succeed, the refused PUTs are bounded", async () => {
    const c = client({ deadlineMs: 1000 });
    const started = Date.now();
    const [results] = await Promise.all([
      Promise.all(ids.map((id, i) => c.collections.update(id, { name: `m${i}-new`, requests: [] }))),
      endWindowAfter(3000),
    ]);
    assert.equal(results.length, 20);
    assert.deepEqual(
      emu
        .collections()
        .map((x) => x.name)
        .sort(),
      ids.map((_, i) => `m${i}-new`).sort(),
    );
    const puts = calls(emu, "PUT");
    const refused = puts.filter((p) => p.status === 503).length;
    assert.equal(puts.filter((p) => p.status === 200).length, 20);
    // One round per Retry-After (1 s), 16 then 8 then 4 at a time: about 32 in 3 s, not a storm.
    assert.ok(refused >= 16 && refused <= 44, `${refused} refused PUTs`);
    assert.ok(Date.now() - started < 8000, `${Date.now() - started} ms`);
  });

  it("a maxThrottleWaitMs shorter than the window: each call gives up saying how long the API throttled it", async () => {
    const c = client({ maxThrottleWaitMs: 1500 });
    const errors = await Promise.all(
      ids.slice(0, 5).map((id) =>
        c.collections.update(id, { name: "never", requests: [] }).then(
          () => assert.fail("expected a failure"),
          (e: unknown) => e as ScrapingProsError,
        ),
      ),
    );
    for (const e of errors) {
      assert.ok(e instanceof InternalServerError, String(e));
      assert.match(e.message, /failed with 503: injected fault/);
      assert.equal(e.history?.stop, "maxThrottleWaitMs");
      assert.ok((e.history?.throttled["503"] ?? 0) >= 1);
      assert.ok((e.history?.rateLimitWaitMs ?? 0) <= 1500);
    }
    assert.ok(calls(emu, "PUT").length <= 5 * 3, `${calls(emu, "PUT").length} PUTs`);
  });
});
