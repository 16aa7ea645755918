import * as assert from "node:assert/strict";
import { NotFoundError } from "../../../../provider/client/errors";
import type { CollectionSummary } from "../../../../provider/client/schemas";
import {
  accountOf,
  type LookupClient,
  lookUpCollection,
  lookUpCollections,
  type WithClient,
} from "../../../../provider/core/lookups";

/** A fake account: its collections, and the calls its client received. */
function account(name: string, ids: string[], key: string) {
  const collections: CollectionSummary[] = ids.map((id) => ({ id, name: `${name}-${id}` }));
  const calls: string[] = [];
  const client = {
    collections: {
      list: async (query: { name?: string } = {}) => {
        calls.push(query.name === undefined ? "list" : "list?name=");
        return { data: collections.filter((c) => query.name === undefined || c.name === query.name) };
      },
      get: async (id: string) => {
        calls.push(`get ${id}`);
        const found = collections.find((c) => c.id === id);
        if (!found) {
          throw new NotFoundError({
            status: 404,
            detail: "Collection not found",
            headers: {},
            method: "GET",
            path: `/v1/async/collections/${id}`,
            retryable: false,
          });
        }
        return { data: found };
      },
    },
  } as unknown as LookupClient;
  const withClient: WithClient = Object.assign(async <T>(fn: (c: LookupClient) => Promise<T>) => fn(client), {
    account: () => accountOf("https://api.example.test/v1", key),
  });
  return { calls, withClient };
}

describe("lookups made together: shared per account, never across accounts", () => {
  it("lookups of two accounts made at the same moment: one list each, and an id of the other account is not found", async () => {
    const a = account("a", ["a1", "a2", "a3"], "key-of-a");
    const b = account("b", ["b1", "b2", "b3"], "key-of-b");
    const [fromA, fromB, crossed, byName] = await Promise.all([
      Promise.all(["a1", "a2", "a3"].map((id) => lookUpCollection(a.withClient, { id }))),
      Promise.all(["b1", "b2", "b3"].map((id) => lookUpCollection(b.withClient, { id }))),
      lookUpCollection(a.withClient, { id: "b2" }).catch((e: Error) => e.name),
      lookUpCollections(a.withClient, { name: "b-b1" }),
    ]);
    assert.deepEqual(
      fromA.map((c) => c.name),
      ["a-a1", "a-a2", "a-a3"],
    );
    assert.deepEqual(
      fromB.map((c) => c.name),
      ["b-b1", "b-b2", "b-b3"],
    );
    // b2 is in b's list, sent at the same moment, but a's lookup is answered by a's calls only.
    assert.equal(crossed, "LookupNotFoundError");
    assert.deepEqual(byName.collections, []);
    assert.deepEqual(a.calls.sort(), ["get b2", "list"]);
    assert.deepEqual(b.calls, ["list"]);
  });

  it("accountOf names an account by its origin and a digest of the key, never the key", () => {
    const key = `sk_${"live_"}${"k".repeat(24)}`;
    const id = accountOf("https://api.example.test/v1/", key);
    assert.ok(!id.includes(key) && !id.includes("kkkk"), id);
    assert.match(id, /^https:\/\/api\.example\.test [0-9a-f]{64}$/);
    assert.notEqual(accountOf("https://api.example.test", `${key}x`), id);
    assert.notEqual(accountOf("https://other.example.test", key), id);
    assert.equal(accountOf("https://api.example.test/other/path", key), id);
  });
});
