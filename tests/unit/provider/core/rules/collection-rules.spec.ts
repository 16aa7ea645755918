import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import * as fc from "fast-check";
import { checkCollection } from "../../../../../provider/core/collection/check";
import {
  CollectionFileSchema,
  collectionFileProblems,
  collectionJsonSchemas,
  requestsProblems,
  UNKNOWN,
} from "../../../../../provider/core/rules/collection-rules";
import { schemaFiles } from "../../../../../scripts/generate-schema";

const REPO = path.resolve(__dirname, "..", "..", "..", "..", "..");

describe("collection rules", () => {
  it("check and the file validator report the same request problems, in the same words", () => {
    const requests = [
      { url: "ftp://example.com/" },
      { url: "https://example.com/", custom_id: "x".repeat(300), browser: "yes" },
      { url: "https://example.com/a", custom_id: "a" },
      { url: "https://example.com/a", custom_id: "a" },
    ];
    const fromFile = collectionFileProblems({ requests }).map((p) => ({
      property: p.path,
      reason: p.message,
      code: p.code,
    }));
    const fromCheck = checkCollection({ __urn: "urn:pulumi:dev::p::t::n", name: "n", requests }).failures;
    assert.deepEqual(fromCheck, fromFile);
    assert.deepEqual(fromFile, [
      {
        property: "requests[0].url",
        reason: "must use http or https (invalid_protocol)",
        code: "invalid_protocol",
      },
      {
        property: "requests[1].custom_id",
        reason: "must be at most 255 characters (got 300)",
        code: "too_long",
      },
      { property: "requests[1].browser", reason: "must be true or false", code: "invalid_type" },
      {
        property: "requests[3]",
        reason:
          "duplicates requests[2] (same url and custom_id); the API would drop it: remove it or give it a different custom_id",
        code: "duplicate_request",
      },
    ]);
  });

  it("in check, Pulumi's unknown marker passes wherever a value is not known yet", () => {
    assert.deepEqual(
      requestsProblems([
        UNKNOWN,
        { url: UNKNOWN, browser: UNKNOWN, actions: UNKNOWN },
        { url: "https://e.x", actions: [UNKNOWN] },
      ]),
      [],
    );
    // a file has no unknowns: the marker is just a string there, and not a URL
    assert.equal(collectionFileProblems({ requests: [{ url: UNKNOWN }] })[0]?.code, "malformed_url");
  });

  it("the committed JSON Schemas are the ones the zod rules generate (npm run schema)", () => {
    for (const [name, text] of Object.entries(schemaFiles())) {
      const committed = JSON.parse(fs.readFileSync(path.join(REPO, "schema", name), "utf8"));
      assert.deepEqual(committed, JSON.parse(text), `schema/${name} is stale: run npm run schema`);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    assert.equal(pkg.exports["./schema/collection.json"], "./schema/collection.json");
    assert.ok(pkg.files.includes("schema"));
    assert.equal(pkg.bin["pulumi-scrapingpros"], "dist/sdk/cli.js");
  });

  it("the schema is draft 2020-12, closed at the top level, open in requests", () => {
    const { collection } = collectionJsonSchemas();
    assert.equal(collection.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert.equal(collection.additionalProperties, false);
    assert.deepEqual(collection.required, ["requests"]);
  });

  describe("the JSON Schema and the validator agree", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const schemaValid = ajv.compile(collectionJsonSchemas().collection);
    const overlayValid = ajv.compile(collectionJsonSchemas().overlay);

    // Strings of the BMP only: JSON Schema counts `maxLength` in code points, JavaScript (and the
    // API's 255 characters, as `check` counts them) in UTF-16 units; an astral character is the one
    // place they differ.
    const text = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom("", " ", "\t", "load", "x".repeat(255), "x".repeat(256)),
    );
    const anyValue = fc.oneof(
      { depthSize: "small" },
      text,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.oneof(text, fc.integer()), { maxLength: 2 }),
      fc.dictionary(fc.constantFrom("type", "x"), fc.oneof(text, fc.integer()), { maxKeys: 2 }),
    );
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
    /** Mostly a value of the right type, sometimes anything. */
    const mostly = (good: fc.Arbitrary<unknown>) =>
      fc.oneof({ weight: 8, arbitrary: good }, { weight: 1, arbitrary: anyValue });
    const action = mostly(
      fc.record(
        { type: mostly(fc.constantFrom("wait-for-timeout", "click", "")), time: maybe(fc.integer()) },
        { requiredKeys: [] },
      ),
    );
    // URLs the URL rules accept, or values of the wrong type: the schema cannot judge a URL's host.
    const request = (i: number) =>
      mostly(
        fc.record(
          {
            url: fc.oneof(
              { weight: 8, arbitrary: fc.constant(`https://example.com/p${i}`) },
              { weight: 1, arbitrary: anyValue.filter((v) => typeof v !== "string") },
            ),
            custom_id: maybe(mostly(text)),
            browser: maybe(mostly(fc.boolean())),
            screenshot: maybe(mostly(fc.boolean())),
            use_proxy: maybe(mostly(fc.constant("any"))),
            actions: maybe(mostly(fc.array(action, { maxLength: 2 }))),
            wait_until: maybe(anyValue),
          },
          { requiredKeys: ["url"] },
        ),
      );
    const requests = fc
      .integer({ min: 0, max: 3 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => request(i))));
    const file = mostly(
      fc.record(
        {
          name: maybe(mostly(text)),
          callbackUrl: maybe(
            fc.oneof(
              { weight: 8, arbitrary: fc.constant("https://hooks.example.com/x") },
              { weight: 1, arbitrary: anyValue.filter((v) => typeof v !== "string") },
            ),
          ),
          requests: mostly(requests),
          $schema: maybe(fc.constant("../schema/collection.json")),
          callback_url: fc.oneof(
            { weight: 8, arbitrary: fc.constant(undefined) },
            { weight: 1, arbitrary: text },
          ),
        },
        { requiredKeys: [] },
      ),
    );

    it("on every file whose URLs the schema can judge: valid for one exactly when valid for the other", () => {
      const seen = { valid: 0, invalid: 0 };
      fc.assert(
        fc.property(file, (generated) => {
          // as a YAML or JSON file holds it: no `undefined` values
          const value = JSON.parse(JSON.stringify(generated)) as unknown;
          const problems = collectionFileProblems(value);
          const bySchema = schemaValid(value);
          seen[bySchema ? "valid" : "invalid"]++;
          assert.equal(
            bySchema,
            problems.length === 0,
            `schema: ${JSON.stringify(schemaValid.errors)}\nvalidator: ${JSON.stringify(problems)}`,
          );
        }),
        { numRuns: 2000 },
      );
      // not vacuous: both kinds of files were generated, in numbers
      assert.ok(seen.valid > 100 && seen.invalid > 100, JSON.stringify(seen));
    });

    it("on any file: what the schema refuses, the validator refuses (the schema is never stricter)", () => {
      const urls = fc.oneof(
        fc.webUrl(),
        fc.string(),
        fc.constantFrom("ftp://x", "http://10.0.0.1/", "https://localhost/"),
      );
      const anyFile = fc.record(
        {
          name: fc.string(),
          callbackUrl: urls,
          requests: fc.array(fc.record({ url: urls, custom_id: maybe(fc.string()) }), { maxLength: 4 }),
        },
        { requiredKeys: ["requests"] },
      );
      fc.assert(
        fc.property(fc.oneof(file, anyFile), (value) => {
          if (!schemaValid(value)) assert.notDeepEqual(collectionFileProblems(value), []);
        }),
        { numRuns: 1000 },
      );
    });

    it("the overlay schema accepts what an overlay may set, including null to remove a field", () => {
      assert.ok(overlayValid({ callbackUrl: null, name: null }));
      assert.ok(overlayValid({ requests: [{ url: "https://e.x" }] }));
      assert.ok(!overlayValid({ callback: "x" }));
      assert.ok(!overlayValid({ requests: null }));
      assert.ok(CollectionFileSchema.safeParse({ requests: [] }).success);
    });
  });
});
