import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../../../emulator";
import { ScrapingProsClient } from "../../../../provider/client/client";
import { CollectionProvider } from "../../../../provider/dynamic/collection-provider";
import { startTestEmulator, TEST_KEY } from "../../../helpers/emulator";

/**
 * The API key must appear in no error message and no log line: not the client's retry events, not
 * the provider's warnings, not the emulator's request log on stderr, not its request log API.
 */
describe("the API key leaks nowhere", () => {
  let emu: RunningEmulator;
  const written: string[] = [];
  const realWrite = process.stderr.write.bind(process.stderr);

  before(async () => {
    emu = await startTestEmulator({ quiet: false });
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (realWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
  });
  after(async () => {
    process.stderr.write = realWrite;
    await emu.stop();
  });

  it("through retries, failures, warnings and errors", async () => {
    const logs: string[] = [];
    // The provider's own client, so its retry warnings are the ones a user sees.
    const provider = new CollectionProvider({ warn: (m) => logs.push(m), env: {} });
    const config: Record<string, string> = {
      "scrapingpros:apiKey": TEST_KEY,
      "scrapingpros:baseUrl": emu.url,
      "scrapingpros:maxRetries": "2",
    };
    await provider.configure({ config: { get: (k) => config[k] } });
    emu.addFault({ method: "POST", path: "/v1/async/collections", action: "drop-after-commit" });
    const inputs = {
      __urn: "urn:pulumi:dev::p::pulumi-nodejs:dynamic/scrapingpros:Collection::k",
      name: "k",
      requests: [{ url: "https://example.com" }],
    };
    const { id, outs } = await provider.create(inputs);
    emu.addFault({
      method: "PUT",
      path: "/v1/async/collections/*",
      action: "status",
      status: 503,
      times: 10,
    });
    const errors: unknown[] = [];
    await provider.update(id, { ...outs }, { ...inputs, name: "k2" }).catch((e: unknown) => errors.push(e));
    const wrong = new ScrapingProsClient({ apiKey: `${TEST_KEY}x`, baseUrl: emu.url, maxRetries: 0 });
    await wrong.collections.list().catch((e: unknown) => errors.push(e));
    await wrong.close();
    assert.equal(errors.length, 2);
    assert.ok(
      logs.some((l) => l.includes("retrying")),
      "no retry was logged",
    );
    assert.ok(
      written.some((l) => l.includes("/v1/async/collections")),
      "the emulator logged no request",
    );

    const everything = JSON.stringify({
      logs,
      written,
      errors: errors.map((e) => ({
        message: (e as Error).message,
        stack: (e as Error).stack,
        ...(e as object),
      })),
      requestLog: emu.requests(),
      outs,
    });
    const at = everything.indexOf(TEST_KEY);
    assert.equal(at, -1, everything.slice(Math.max(0, at - 300), at + 50));
  });
});
