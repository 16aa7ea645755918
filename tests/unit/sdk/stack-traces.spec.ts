import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { plainStackTraces } from "../../../sdk/stack-traces";

/**
 * The SDK's own wrapper (internal, so not in its type declarations): the tests fail if it is renamed
 * or stops capturing a stack at once.
 */
const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable") as {
  debuggablePromise: <T>(p: Promise<T>, ctx: string) => Promise<T>;
};

/** A stand-in for source-map-support's formatter: marks what it formatted. */
const mapped = (error: Error, frames: NodeJS.CallSite[]) =>
  `MAPPED ${error.message} (${frames.length} frames)`;

/** The stack `debuggablePromise` keeps on the promise it wraps, for its leak report. */
const keptStack = (p: Promise<unknown>): unknown =>
  (p as unknown as { _debugStackTrace: unknown })._debugStackTrace;

describe("plain stack traces for the SDK's captures while a resource registers (sdk/stack-traces.ts)", () => {
  let saved: typeof Error.prepareStackTrace;
  beforeEach(() => {
    saved = Error.prepareStackTrace;
    Error.prepareStackTrace = mapped;
  });
  afterEach(() => {
    Error.prepareStackTrace = saved;
  });

  it("debuggablePromise's capture keeps its frames unformatted; the leak report formats them plainly", async () => {
    const p = Promise.resolve(1);
    const restore = plainStackTraces();
    try {
      await debuggablePromise(p, "test");
    } finally {
      restore();
    }
    const stack = keptStack(p);
    assert.equal(typeof stack, "object", "formatted at capture");
    const text = `${stack}`;
    assert.match(text, /^Error\n {4}at debuggablePromise \(.*debuggable\.js:\d+:\d+\)\n {4}at /);
    assert.ok(text.split("\n").length > 3, "frames kept");
    // After the constructor, captures are mapped again.
    const after = Promise.resolve(2);
    await debuggablePromise(after, "after");
    assert.match(String(keptStack(after)), /^MAPPED/);
  });

  it("every other stack read meanwhile is mapped: an error read at once, the resource's source position", () => {
    const restore = plainStackTraces();
    try {
      assert.match(String(new Error("eager").stack), /^MAPPED eager \([1-9]\d* frames\)/);
      // Pulumi's reading of a resource's source position gets the mapped formatter: the stand-in
      // gives it no frame line to parse, where a plain one would give every frame.
      assert.deepEqual((pulumi.Resource as unknown as { callsites(): unknown[] }).callsites(), []);
    } finally {
      restore();
    }
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

  it("restores the formatter it found, and changes nothing without one", () => {
    plainStackTraces()();
    assert.equal(Error.prepareStackTrace, mapped);
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    const restore = plainStackTraces();
    assert.equal(Error.prepareStackTrace, undefined);
    restore();
    assert.equal(Error.prepareStackTrace, undefined);
  });
});
