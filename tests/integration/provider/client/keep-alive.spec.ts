import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ScrapingProsClient } from "../../../../provider/client/client";

describe("client connections", () => {
  it("reuses keep-alive connections: 20 sequential calls open at most 2", async () => {
    let connections = 0;
    const server = http.createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(req.url === "/v1/health" ? { status: "ok" } : []));
    });
    server.on("connection", () => {
      connections++;
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const client = new ScrapingProsClient({ apiKey: "k", baseUrl: `http://127.0.0.1:${port}` });
    try {
      // undici may open a second socket when a request is dispatched in the instant before the
      // previous response has released the first; after that the pool reuses what it has.
      for (let i = 0; i < 19; i++) await client.collections.list();
      await client.health();
      assert.ok(connections >= 1 && connections <= 2, `${connections} connections`);
    } finally {
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
