import * as assert from "node:assert/strict";
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  describeDetail,
  errorFromResponse,
  IdempotencyConflictError,
  InternalServerError,
  NotFoundError,
  parseDetail,
  RateLimitError,
  redact,
  ScrapingProsError,
  UnprocessableEntityError,
} from "../../../../provider/client/errors";

const init = (status: number, detail: ReturnType<typeof parseDetail> = "x") => ({
  status,
  detail,
  headers: { "x-request-id": "req-1" },
  method: "POST",
  path: "/v1/async/collections",
  retryable: false,
});

describe("errors", () => {
  const table: [number, boolean, unknown, string][] = [
    [400, false, BadRequestError, "API_ERR_BAD_REQUEST"],
    [401, false, AuthenticationError, "API_ERR_AUTHENTICATION"],
    [404, false, NotFoundError, "API_ERR_NOT_FOUND"],
    [409, true, ConflictError, "API_ERR_CONFLICT"],
    [422, true, IdempotencyConflictError, "API_ERR_IDEMPOTENCY_CONFLICT"],
    [422, false, UnprocessableEntityError, "API_ERR_UNPROCESSABLE"],
    [429, false, RateLimitError, "API_ERR_RATE_LIMIT"],
    [503, false, InternalServerError, "API_ERR_INTERNAL"],
  ];
  for (const [status, keyed, cls, code] of table) {
    it(`${status}${keyed ? " (keyed)" : ""} → ${(cls as { name: string }).name}`, () => {
      const e = errorFromResponse(init(status), keyed);
      assert.ok(e instanceof (cls as typeof ApiError));
      assert.ok(e instanceof ApiError);
      assert.ok(e instanceof ScrapingProsError);
      assert.equal(e.code, code);
      assert.equal(e.requestId, "req-1");
      assert.match(e.message, new RegExp(`POST /v1/async/collections failed with ${status}`));
    });
  }

  it("a 422 with a FastAPI detail list is a validation error even when keyed", () => {
    const e = errorFromResponse(init(422, [{ loc: ["body", "requests", 3, "url"], msg: "bad url" }]), true);
    assert.ok(e instanceof UnprocessableEntityError);
    assert.match(e.message, /requests\.3\.url: bad url/);
  });

  it("instanceof works across copies (brand, not prototype identity)", () => {
    const foreign = Object.create(Object.getPrototypeOf(errorFromResponse(init(404), false)));
    Object.defineProperty(foreign, Symbol.for("pulumi-scrapingpros.error"), { value: "API_ERR_NOT_FOUND" });
    assert.ok(foreign instanceof NotFoundError);
    assert.ok(!(new Error("x") instanceof ScrapingProsError));
    assert.ok(!(errorFromResponse(init(404), false) instanceof RateLimitError));
  });

  it("parses detail as a string, a list, or raw text", () => {
    assert.equal(parseDetail('{"detail":"nope"}'), "nope");
    assert.deepEqual(
      parseDetail('{"detail":[{"loc":["body","name"],"msg":"field required","type":"missing"}]}'),
      [{ loc: ["body", "name"], msg: "field required", type: "missing" }],
    );
    assert.equal(parseDetail("<html>Bad Gateway</html>"), "<html>Bad Gateway</html>");
    assert.equal(parseDetail(""), undefined);
    assert.equal(describeDetail(undefined), "(no detail)");
  });

  it("redacts secrets", () => {
    assert.equal(redact("Bearer sk-secret-123 rejected", ["sk-secret-123"]), "Bearer [REDACTED] rejected");
  });
});
