import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../../emulator";
import { call, createCollection, startTestEmulator } from "./helpers";

describe("emulator: SSRF checks over HTTP", () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator({
      hosts: {
        "nx.example.com": "dns_failed",
        "evil.example.com": "blocked",
        "intranet.example.com": "private",
      },
    });
  });
  beforeEach(() => emulator.reset());
  after(() => emulator.stop());

  it("reports each of the seven reasons with its index, URL and a message; stores only the accepted", async () => {
    const urls = [
      "https://ok.example.com/", // 0 accepted
      "http://10.1.2.3/", // 1 private_ip
      "https://nx.example.com/", // 2 dns_failed
      "http://metadata.google.internal/", // 3 blocked_hostname
      "gopher://example.com/", // 4 invalid_protocol
      "https://example.com:2375/", // 5 invalid_port
      "example.com/no-scheme", // 6 malformed_url
      "https://evil.example.com/", // 7 blocked
      "https://intranet.example.com/", // 8 private_ip (host map)
      "http://[fd00:ec2::254]/", // 9 private_ip (AWS metadata, IPv6)
      "https://other.example.com:8443/", // 10 accepted
    ];
    const res = await createCollection(emulator, { name: "ssrf", requests: urls.map((url) => ({ url })) });
    assert.equal(res.message, "Collection created successfully. 9 URL(s) blocked (SSRF protection).");
    assert.deepEqual(
      res.blocked_urls.map((b: { index: number; url: string; reason: string }) => [b.index, b.url, b.reason]),
      [
        [1, urls[1], "private_ip"],
        [2, urls[2], "dns_failed"],
        [3, urls[3], "blocked_hostname"],
        [4, urls[4], "invalid_protocol"],
        [5, urls[5], "invalid_port"],
        [6, urls[6], "malformed_url"],
        [7, urls[7], "blocked"],
        [8, urls[8], "private_ip"],
        [9, urls[9], "private_ip"],
      ],
    );
    for (const b of res.blocked_urls) {
      assert.deepEqual(Object.keys(b).sort(), ["index", "message", "reason", "url"]);
      assert.ok(typeof b.message === "string" && b.message.length > 0);
    }
    assert.deepEqual(
      emulator.collections()[0]?.requests.map((r) => r["url"]),
      ["https://ok.example.com/", "https://other.example.com:8443/"],
    );
  });

  it("creates the collection (201, no requests) when every URL is blocked", async () => {
    const res = await call(emulator, "POST", "/v1/async/collections", {
      body: { name: "all-blocked", requests: [{ url: "http://localhost/" }, { url: "http://127.0.0.1/" }] },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.blocked_urls.length, 2);
    const got = await call(emulator, "GET", `/v1/async/collections/${res.body.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(emulator.collections()[0]?.requests, []);
  });

  it("applies the same checks on PUT", async () => {
    const created = await createCollection(emulator, {
      name: "p",
      requests: [{ url: "https://ok.example.com" }],
    });
    const res = await call(emulator, "PUT", `/v1/async/collections/${created.id}`, {
      body: { requests: [{ url: "https://nx.example.com/" }, { url: "https://fine.example.com/" }] },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.blocked_urls[0], {
      index: 0,
      url: "https://nx.example.com/",
      reason: "dns_failed",
      message: res.body.blocked_urls[0].message,
    });
    assert.deepEqual(emulator.collections()[0]?.requests, [{ url: "https://fine.example.com/" }]);
  });
});
