import { parseWebUrl } from "../provider/core/rules/url-rules";
import { isJsonObject, type JsonObject } from "./json";

/** One FastAPI-style validation error, as found in a 422 `{"detail": [...]}` body. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** Either the validated value or the issues found. */
export type Validated<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** A validated `POST /v1/async/collections` body. */
export interface CreateCollectionBody {
  name: string;
  requests: JsonObject[];
  callback_url: string | null;
}

/** A validated `PUT /v1/async/collections/{id}` body; `null` means "leave unchanged". */
export interface UpdateCollectionBody {
  name: string | null;
  requests: JsonObject[] | null;
}

/** A validated `POST .../run` body; `callback_url` undefined means "use the collection's". */
export interface StartRunBody {
  callback_url?: string | null;
}

/** Validates a create body: `name` required and non-empty, `requests` optional, `callback_url` optional. */
export function validateCreateBody(body: unknown): Validated<CreateCollectionBody> {
  const issues: ValidationIssue[] = [];
  if (!isJsonObject(body)) return fail([objectIssue(["body"], body)]);
  const name = checkName(body, issues, true);
  const requests = checkRequests(body, issues);
  const callbackUrl = checkCallbackUrl(body, issues);
  if (issues.length > 0) return fail(issues);
  return {
    ok: true,
    value: { name: name ?? "", requests: requests ?? [], callback_url: callbackUrl ?? null },
  };
}

/** Validates an update body. `callback_url` is not part of it and is ignored. */
export function validateUpdateBody(body: unknown): Validated<UpdateCollectionBody> {
  const issues: ValidationIssue[] = [];
  if (!isJsonObject(body)) return fail([objectIssue(["body"], body)]);
  const name = checkName(body, issues, false);
  const requests = checkRequests(body, issues);
  if (issues.length > 0) return fail(issues);
  return { ok: true, value: { name, requests } };
}

/** Validates an optional run body (`undefined` when the request had none). */
export function validateRunBody(body: unknown): Validated<StartRunBody> {
  if (body === undefined) return { ok: true, value: {} };
  if (!isJsonObject(body)) return fail([objectIssue(["body"], body)]);
  const issues: ValidationIssue[] = [];
  if (!("callback_url" in body)) return { ok: true, value: {} };
  const callbackUrl = checkCallbackUrl(body, issues);
  if (issues.length > 0) return fail(issues);
  return { ok: true, value: { callback_url: callbackUrl } };
}

function fail<T>(issues: ValidationIssue[]): Validated<T> {
  return { ok: false, issues };
}

function objectIssue(loc: (string | number)[], value?: unknown): ValidationIssue {
  if (value === undefined) return { loc, msg: "Field required", type: "missing" };
  return {
    loc,
    msg: "Input should be a valid dictionary or object to extract fields from",
    type: "model_attributes_type",
  };
}

function checkName(body: JsonObject, issues: ValidationIssue[], required: boolean): string | null {
  const name = body["name"];
  if (name === undefined || name === null) {
    if (required) issues.push({ loc: ["body", "name"], msg: "Field required", type: "missing" });
    return null;
  }
  if (typeof name !== "string") {
    issues.push({ loc: ["body", "name"], msg: "Input should be a valid string", type: "string_type" });
    return null;
  }
  if (name.length === 0) {
    issues.push({
      loc: ["body", "name"],
      msg: "String should have at least 1 character",
      type: "string_too_short",
    });
    return null;
  }
  return name;
}

function checkRequests(body: JsonObject, issues: ValidationIssue[]): JsonObject[] | null {
  const requests = body["requests"];
  if (requests === undefined || requests === null) return null;
  if (!Array.isArray(requests)) {
    issues.push({ loc: ["body", "requests"], msg: "Input should be a valid list", type: "list_type" });
    return null;
  }
  const out: JsonObject[] = [];
  for (const [i, item] of requests.entries()) {
    const loc = ["body", "requests", i];
    if (!isJsonObject(item)) {
      issues.push({ loc, msg: "Input should be a valid dictionary", type: "dict_type" });
      continue;
    }
    const url = item["url"];
    if (url === undefined || url === null) {
      issues.push({ loc: [...loc, "url"], msg: "Field required", type: "missing" });
    } else if (typeof url !== "string") {
      issues.push({ loc: [...loc, "url"], msg: "Input should be a valid string", type: "string_type" });
    }
    const customId = item["custom_id"];
    if (customId !== undefined && customId !== null && typeof customId !== "string") {
      issues.push({ loc: [...loc, "custom_id"], msg: "Input should be a valid string", type: "string_type" });
    }
    out.push(item);
  }
  return out;
}

function checkCallbackUrl(body: JsonObject, issues: ValidationIssue[]): string | null {
  const value = body["callback_url"];
  if (value === undefined || value === null) return null;
  const loc = ["body", "callback_url"];
  if (typeof value !== "string") {
    issues.push({ loc, msg: "Input should be a valid string", type: "string_type" });
    return null;
  }
  // The provider's rules for an http(s) URL (`check` refuses the same callback URLs at preview).
  const parsed = parseWebUrl(value);
  if ("problem" in parsed) {
    issues.push(
      parsed.problem.reason === "invalid_protocol"
        ? { loc, msg: "URL scheme should be 'http' or 'https'", type: "url_scheme" }
        : { loc, msg: "Input should be a valid URL", type: "url_parsing" },
    );
    return null;
  }
  return value;
}
