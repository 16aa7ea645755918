import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

// Program-shape tests: runtime mocks stand in for the engine, so these check only what the
// program registers. Behaviour under the real engine is in tests/e2e.
const registered: pulumi.runtime.MockResourceArgs[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push(args);
      return {
        id: `${args.name}-id`,
        state: { ...args.inputs, requestCount: (args.inputs.requests ?? []).length },
      };
    },
    call: (args) => args.inputs,
  },
  "proj",
  "dev",
);

import { COLLECTION_TYPE, Collection, SERIALIZED_PROVIDER } from "../../../sdk/collection";

const out = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

describe("Collection (program shape)", () => {
  it("registers the dynamic type with the URN and the small serialized provider", async () => {
    const c = new Collection("daily-tours", {
      requests: [{ url: "https://example.com/1", custom_id: "a" }],
      callbackUrl: "https://hooks.example/x",
    });
    assert.equal(await out(c.requestCount), 1);
    const reg = registered.find((r) => r.name === "daily-tours");
    assert.ok(reg);
    assert.equal(reg.type, COLLECTION_TYPE);
    assert.equal(COLLECTION_TYPE, "pulumi-nodejs:dynamic/scrapingpros:Collection");
    assert.equal(reg.inputs.__urn, `urn:pulumi:dev::proj::${COLLECTION_TYPE}::daily-tours`);
    assert.equal(reg.inputs.__provider, SERIALIZED_PROVIDER);
    assert.equal(reg.inputs.callbackUrl, "https://hooks.example/x");
    assert.equal(reg.inputs.name, undefined);
  });

  it("a child's URN includes its parent's type", async () => {
    class Group extends pulumi.ComponentResource {
      constructor(name: string) {
        super("acme:index:Group", name);
      }
    }
    const g = new Group("g");
    const c = new Collection("child", { name: "explicit", requests: [] }, { parent: g });
    await out(c.id);
    const reg = registered.find((r) => r.name === "child");
    assert.equal(reg?.inputs.__urn, `urn:pulumi:dev::proj::acme:index:Group$${COLLECTION_TYPE}::child`);
    assert.equal(reg?.inputs.name, "explicit");
  });
});

describe("serialized provider", () => {
  it("is under 1 KB, loads the provider by package name, and holds no key", () => {
    assert.ok(
      Buffer.byteLength(SERIALIZED_PROVIDER) < 1024,
      `${Buffer.byteLength(SERIALIZED_PROVIDER)} bytes`,
    );
    assert.match(SERIALIZED_PROVIDER, /require\("pulumi-scrapingpros\/provider"\)/);
    assert.doesNotMatch(SERIALIZED_PROVIDER, /apiKey|Bearer|SCRAPINGPROS_API_KEY/);
  });

  it("evaluates to a handler that returns the provider with every method", () => {
    const m = { exports: {} as { handler?: () => Record<string, unknown> } };
    // The dynamic-provider host evaluates the text as a module (require-from-string); do the same.
    new Function("exports", "require", SERIALIZED_PROVIDER)(m.exports, (id: string) => {
      assert.equal(id, "pulumi-scrapingpros/provider");
      return require("../../../provider");
    });
    const p = m.exports.handler?.();
    for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
      assert.equal(typeof p?.[method], "function", method);
    }
  });
});
