import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { plainStackTraces } from "../../../sdk/stack-traces";

/** A stand-in for source-map-support's formatter: marks what it formatted. */
const mapped = (error: Error, frames: NodeJS.CallSite[]) =>
  `MAPPED ${error.message} (${frames.length} frames)`;

describe("plain stack traces while a resource registers (sdk/stack-traces.ts)", () => {
  let saved: typeof Error.prepareStackTrace;
  let limit: number;
  beforeEach(() => {
    saved = Error.prepareStackTrace;
    Error.prepareStackTrace = mapped;
    // Node's default, as in a Pulumi program (mocha lifts it to Infinity).
    limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 10;
  });
  afterEach(() => {
    Error.prepareStackTrace = saved;
    Error.stackTraceLimit = limit;
  });

  it("stacks read meanwhile are plain (V8's format with every frame); the mapping is back afterwards", () => {
    const restore = plainStackTraces();
    let plain: string | undefined;
    try {
      plain = new Error("eager").stack;
    } finally {
      restore();
    }
    assert.match(String(plain), /^Error: eager\n {4}at /);
    assert.ok(String(plain).split("\n").length > 2, "frames kept");
    assert.equal(Error.prepareStackTrace, mapped);
    assert.match(String(new Error("after").stack), /^MAPPED after/);
  });

  it("an error made meanwhile but read afterwards (a transformation's) is mapped, with its frames", () => {
    const restore = plainStackTraces();
    let thrown: Error | undefined;
    try {
      thrown = new Error("from a transformation");
    } finally {
      restore();
    }
    assert.match(String(thrown?.stack), /^MAPPED from a transformation \([1-9]\d* frames\)/);
  });

  it("a stack read with the frame limit lifted to Infinity (Pulumi's source position of a resource) stays mapped", () => {
    const restore = plainStackTraces();
    try {
      Error.stackTraceLimit = Number.POSITIVE_INFINITY;
      try {
        assert.match(String(new Error("position").stack), /^MAPPED position/);
      } finally {
        Error.stackTraceLimit = 10;
      }
      // The SDK's own reading goes through the mapped formatter: the stand-in gives it no frame line
      // to parse, where the plain one would give every frame.
      const sites = (pulumi.Resource as unknown as { callsites(): unknown[] }).callsites();
      assert.equal(sites.length, 0);
    } finally {
      restore();
    }
  });

  it("without a formatter installed it changes nothing", () => {
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    const restore = plainStackTraces();
    assert.equal(Error.prepareStackTrace, undefined);
    restore();
    assert.equal(Error.prepareStackTrace, undefined);
  });
});
