import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

// Program-shape tests: runtime mocks stand in for the engine, so these check only what the
// program registers. Behaviour under the real engine is in tests/e2e.
const registered: pulumi.runtime.MockResourceArgs[] = [];
/** State the engine would hold for a resource, by name (as an earlier release stored it). */
const storedState: Record<string, Record<string, unknown>> = {};
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push(args);
      return {
        id: `${args.name}-id`,
        state: {
          ...args.inputs,
          requestCount: (args.inputs.requests ?? []).length,
          ...storedState[args.name],
        },
      };
    },
    call: (args) => args.inputs,
  },
  "proj",
  "dev",
);

import { COLLECTION_TYPE, Collection, SERIALIZED_PROVIDER } from "../../../sdk/collection";
import { COLLECTION_RUN_TYPE, CollectionRun, type CollectionRunArgs } from "../../../sdk/collection-run";
import { COLLECTION_SET_TYPE, CollectionSet, CollectionSetError } from "../../../sdk/collection-set";
import { secretInputNames, secretPropertyOfSource } from "../../../sdk/secret-inputs";
import { STACK_SCOPE_TYPE } from "../../../sdk/stack-scope";
import { SHARED_CASES, writeFiles } from "../../helpers/collection-file-cases";

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

describe("Collection resource options", () => {
  it("passes replaceOnChanges and customTimeouts on as internal inputs", async () => {
    const c = new Collection(
      "opts",
      { requests: [] },
      {
        replaceOnChanges: ["requests[*].url"],
        customTimeouts: { create: "1m30s", update: "45s", delete: "1h" },
      },
    );
    await out(c.id);
    const reg = registered.find((r) => r.name === "opts");
    assert.deepEqual(reg?.inputs.__replaceOnChanges, ["requests[*].url"]);
    assert.deepEqual(reg?.inputs.__timeouts, { createMs: 90_000, updateMs: 45_000 });
  });

  it("refuses import at construction, pointing at adoptId", () => {
    assert.throws(
      () => new Collection("imp", { requests: [] }, { import: "c38b0bcf" }),
      (e: Error) =>
        e instanceof pulumi.RunError && /Collection "imp".*import.*adoptId: "c38b0bcf"/s.test(e.message),
    );
  });

  it("refuses, with its path, a value nested deeper than check's bound, which the Pulumi SDK cannot serialize", async () => {
    const nest = (levels: number) => {
      const root: Record<string, unknown> = {};
      let at = root;
      for (let i = 1; i < levels; i++) {
        const next: Record<string, unknown> = {};
        at.d = next;
        at = next;
      }
      return root;
    };
    const before = registered.length;
    assert.throws(
      () =>
        new Collection("too-deep", {
          requests: [{ url: "https://e.example/a" }, { url: "https://e.example/b", deep: nest(12_000) }],
        }),
      (e: Error) =>
        e instanceof pulumi.RunError &&
        e.message ===
          `Collection "too-deep": requests[1].deep${".d".repeat(63)}: nests lists and objects more than 64 ` +
            "levels deep in one request (too_deep)",
    );
    assert.throws(
      () => new Collection("deep-callback", { requests: [], callbackUrl: nest(500) as never }),
      /Collection "deep-callback": callbackUrl(\.d)+: nests/,
    );
    assert.equal(registered.length, before, "registered before refusing");
    // at the bound, and Outputs or Promises (not looked into), it registers
    const c = new Collection("deep-ok", {
      requests: [
        { url: "https://e.example/", deep: nest(63), later: pulumi.output(nest(3)), p: Promise.resolve(1) },
      ],
    });
    await out(c.id);
    assert.ok(registered.some((r) => r.name === "deep-ok"));
  });

  it("refuses a customTimeouts value that is not a duration", () => {
    assert.throws(
      () => new Collection("bad-timeout", { requests: [] }, { customTimeouts: { create: "5 minutes" } }),
      /customTimeouts\.create: "5 minutes" is not a duration/,
    );
  });

  it("registers one StackScope per stack and passes its id to every collection", async () => {
    const a = new Collection("scoped-a", { requests: [] });
    const b = new Collection("scoped-b", { requests: [] });
    await Promise.all([out(a.id), out(b.id)]);
    const scopes = registered.filter((r) => r.type === STACK_SCOPE_TYPE);
    assert.equal(scopes.length, 1);
    const scopeId = `${scopes[0]?.name}-id`;
    for (const name of ["scoped-a", "scoped-b"]) {
      assert.equal(registered.find((r) => r.name === name)?.inputs.__scope, scopeId);
    }
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

describe("CollectionSet (program shape)", () => {
  const cwd = process.cwd();
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-set-"));
    process.chdir(dir);
  });
  afterEach(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(rel), { recursive: true });
    fs.writeFileSync(rel, text);
  };

  it("one Collection per file, as children named after the set and the file's path; outputs by file", async () => {
    write(
      "collections/tours.yaml",
      "name: tours\nrequests:\n  - url: https://example.com/1\n  - url: https://example.com/2\n",
    );
    write("collections/eu/prices.json", '{"requests": [{"url": "https://example.com/p"}]}');
    write(
      "stages/dev/tours.yaml",
      "callbackUrl: https://hooks.example/dev\nrequests:\n  - url: https://example.com/1\n",
    );
    write("stages/prod/tours.yaml", "requests: []\n");
    const set = new CollectionSet("scrapes", { directory: "collections", overlays: "stages/{stack}" });
    const collections = await out(set.collections);
    assert.deepEqual(collections, {
      "collections/eu/prices.json": { id: "scrapes-eu/prices-id", name: undefined, requestCount: 1 },
      "collections/tours.yaml": { id: "scrapes-tours-id", name: "tours", requestCount: 1 },
    });
    assert.deepEqual(Object.keys(set.resources), ["eu/prices", "tours"]);
    const tours = registered.find((r) => r.name === "scrapes-tours");
    assert.equal(tours?.type, COLLECTION_TYPE);
    assert.equal(tours?.inputs.callbackUrl, "https://hooks.example/dev");
    assert.equal(
      tours?.inputs.__urn,
      `urn:pulumi:dev::proj::${COLLECTION_SET_TYPE}$${COLLECTION_TYPE}::scrapes-tours`,
    );
    assert.ok(registered.some((r) => r.name === "scrapes" && r.type === COLLECTION_SET_TYPE));
  });

  it("a bad file throws before anything is registered, listing every problem with its position", () => {
    write(
      "collections/tours.yaml",
      "requests:\n  - url: https://example.com/1\n  - url: ftp://example.com/2\n",
    );
    write("collections/news.yaml", "requests: []\nnmae: news\n");
    write("collections/ok.yaml", "requests: []\n");
    const before = registered.length;
    assert.throws(
      () => new CollectionSet("bad", { directory: "collections" }),
      (e: Error) => {
        assert.ok(e instanceof CollectionSetError);
        assert.ok(pulumi.RunError.isInstance(e));
        assert.equal(
          e.message,
          [
            "2 problems in collection files, nothing was registered:",
            "collections/news.yaml:2:1 nmae: is not a field of a collection (expected name, callbackUrl, requests) (unknown_field)",
            "collections/tours.yaml:3:10 requests[1].url: must use http or https (invalid_protocol)",
          ].join("\n"),
        );
        return true;
      },
    );
    assert.equal(registered.length, before);
  });

  it("passes per-collection resource options on to the children", async () => {
    write("collections/a.yaml", "requests: []\n");
    const set = new CollectionSet("opts", {
      directory: "collections",
      collectionOptions: (key) => ({
        aliases: [{ name: key, parent: pulumi.rootStackResource }],
        customTimeouts: { create: "2m" },
      }),
    });
    await out(set.collections);
    const reg = registered.find((r) => r.name === "opts-a");
    assert.deepEqual(reg?.inputs.__timeouts, { createMs: 120000 });
  });

  // The other half of cli.spec.ts's "validate CLI and CollectionSet agree": the same inputs, in the stack dev.
  for (const c of SHARED_CASES) {
    it(`agrees with validate: ${c.title}`, async () => {
      writeFiles(".", c.files);
      const before = registered.length;
      const logged: string[] = [];
      const log = console.log;
      // without an engine (mocks), pulumi.log.info prints to the console
      console.log = (...args: unknown[]) => logged.push(args.join(" "));
      try {
        if (c.problems.length > 0) {
          assert.throws(
            () => new CollectionSet("shared", { directory: "collections", overlays: "stages/{stack}" }),
            (e: Error) => {
              assert.ok(e instanceof CollectionSetError);
              const n = c.problems.length;
              assert.equal(
                e.message,
                [
                  `${n} problem${n === 1 ? "" : "s"} in collection files, nothing was registered:`,
                  ...c.problems,
                ].join("\n"),
              );
              return true;
            },
          );
          assert.equal(registered.length, before, "registered something");
        } else {
          const set = new CollectionSet("shared", { directory: "collections", overlays: "stages/{stack}" });
          await out(set.collections);
          assert.deepEqual(Object.keys(set.resources).sort(), c.keys);
        }
      } finally {
        console.log = log;
      }
      assert.deepEqual(
        logged.filter((l) => l.includes("no_overlays")),
        c.notices.map((n) => `info: [runtime] ${n}`),
      );
    });
  }
});

describe("Collection arguments the resource does not have", () => {
  it("reach check however the args were built (a variable, a spread), and cannot override internals", async () => {
    const spec = {
      name: "typo",
      requests: [],
      callback_url: "https://hooks.example/x",
      adopt_existing: true,
      __urn: "urn:forged",
      requestCount: 7,
    };
    const c = new Collection("typo", spec);
    await out(c.id);
    const reg = registered.find((r) => r.name === "typo");
    assert.equal(reg?.inputs.callback_url, "https://hooks.example/x");
    assert.equal(reg?.inputs.adopt_existing, true);
    assert.equal(
      reg?.inputs.requestCount,
      7,
      "an output passed as an argument reaches check, which rejects it",
    );
    assert.equal(reg?.inputs.__urn, `urn:pulumi:dev::proj::${COLLECTION_TYPE}::typo`);
  });
});

describe("CollectionRun arguments the resource does not have", () => {
  it("reach check however the args were built (a variable, a spread, parsed JSON), and cannot override internals", async () => {
    const variable = {
      collectionId: "c1",
      trigger: "2026-05-01",
      timeout_seconds: 60,
      callback_url: "https://h.example/x",
    };
    const defaults = { wait: "none" as const, Triggers: [1] };
    const parsed = JSON.parse(
      '{ "fail_on": "any-failed", "runId": "r-1", "__urn": "urn:forged", "__scope": "forged" }',
    );
    const runs = [
      new CollectionRun("run-variable", variable),
      new CollectionRun("run-spread", { ...defaults, collectionId: "c1" }),
      new CollectionRun("run-json", { ...parsed, collectionId: "c1" } as CollectionRunArgs),
    ];
    await Promise.all(runs.map((r) => out(r.id)));
    const inputs = (name: string) => registered.find((r) => r.name === name)?.inputs ?? {};
    const v = inputs("run-variable");
    assert.deepEqual(
      [v.trigger, v.timeout_seconds, v.callback_url],
      ["2026-05-01", 60, "https://h.example/x"],
    );
    assert.deepEqual(inputs("run-spread").Triggers, [1]);
    const j = inputs("run-json");
    assert.equal(j.fail_on, "any-failed");
    assert.equal(j.runId, "r-1", "an output passed as an argument reaches check, which rejects it");
    assert.equal(j.__urn, `urn:pulumi:dev::proj::${COLLECTION_RUN_TYPE}::run-json`);
    assert.notEqual(j.__scope, "forged");
  });
});

describe("CollectionRun outputs: one vocabulary whatever the state holds", () => {
  const ISO = "2026-12-01T10:00:00.500Z";
  const epoch = Date.parse(ISO) / 1000;
  for (const [stored, expected] of [
    [
      { createdAt: epoch, callbackUrl: null },
      { createdAt: ISO, callbackUrl: undefined },
    ],
    [
      { createdAt: ISO, callbackUrl: "https://h.example/x" },
      { createdAt: ISO, callbackUrl: "https://h.example/x" },
    ],
    [{ createdAt: null }, { createdAt: null, callbackUrl: undefined }],
  ] as const) {
    it(`state ${JSON.stringify(stored)} → createdAt ${expected.createdAt}, callbackUrl ${expected.callbackUrl}`, async () => {
      const name = `run-state-${JSON.stringify(stored.createdAt)}`;
      storedState[name] = { ...stored };
      const run = new CollectionRun(name, { collectionId: "c1" });
      assert.deepEqual(
        { createdAt: await out(run.createdAt), callbackUrl: await out(run.callbackUrl) },
        expected,
      );
    });
  }
});

describe("secret inputs: the SDK tells the provider which inputs are secret", () => {
  it("plain arguments register no __secretInputs at all (no extra property per resource)", async () => {
    assert.equal(
      secretInputNames({ name: "a", requests: [{ url: "https://a.example" }] }, ["name", "requests"]),
      undefined,
    );
    const c = new Collection("plain-args", { name: "p", requests: [{ url: "https://a.example" }] });
    await out(c.id);
    assert.ok(!("__secretInputs" in (registered.find((r) => r.name === "plain-args")?.inputs ?? {})));
  });

  it("names each top-level input holding a secret anywhere inside, as users write them", async () => {
    const c = new Collection("secret-args", {
      name: pulumi.secret("hidden-name"),
      requests: [
        { url: "https://example.com/ok" },
        { url: "https://example.com/h", headers: { Cookie: pulumi.secret("session=s3cr3t") } },
      ],
      callbackUrl: pulumi.output("https://hooks.example/plain"),
    });
    await out(c.id);
    const reg = registered.find((r) => r.name === "secret-args");
    assert.deepEqual(reg?.inputs.__secretInputs, ["name", "requests"]);
  });

  it("outputs that are not secret register none: the key resolves to nothing", async () => {
    const c = new Collection("output-args", { requests: pulumi.output([{ url: "https://a.example" }]) });
    await out(c.id);
    assert.ok(!("__secretInputs" in (registered.find((r) => r.name === "output-args")?.inputs ?? {})));
  });

  it("a CollectionRun names its secret inputs; a plain one registers none", async () => {
    const coll = new Collection("run-source", { name: "rs", requests: [] });
    const secretRun = new CollectionRun("secret-run", {
      collectionId: coll.id,
      callbackUrl: pulumi.secret("https://hooks.example/x?token=t0k3n"),
      triggers: [pulumi.secret("nightly")],
    });
    const plainRun = new CollectionRun("plain-run", { collectionId: coll.id, triggers: 1 });
    await Promise.all([out(secretRun.id), out(plainRun.id)]);
    assert.deepEqual(registered.find((r) => r.name === "secret-run")?.inputs.__secretInputs, [
      "triggers",
      "callbackUrl",
    ]);
    assert.ok(!("__secretInputs" in (registered.find((r) => r.name === "plain-run")?.inputs ?? {})));
  });

  it("a run of a collection with a secret callbackUrl says so, for the webhook the run reports", async () => {
    const hooked = new Collection("hooked-source", {
      name: "hs",
      requests: [],
      callbackUrl: pulumi.secret("https://hooks.example/y?token=t0k3n"),
    });
    const secretSource = await secretPropertyOfSource(hooked.id, COLLECTION_TYPE, "callbackUrl");
    assert.equal(secretSource, true);
    assert.equal(secretPropertyOfSource("plain-id", COLLECTION_TYPE, "callbackUrl"), undefined);
    const run = new CollectionRun("hooked-run", { collectionId: hooked.id });
    await out(run.id);
    assert.deepEqual(registered.find((r) => r.name === "hooked-run")?.inputs.__secretInputs, [
      "collection.callbackUrl",
    ]);
  });
});
