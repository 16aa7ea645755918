import type { IncomingMessage, ServerResponse } from "node:http";
import type { ValidationIssue } from "./validation";

/** A fully built response: handlers return one, the server decides when (and whether) to send it. */
export interface ApiResponse {
  status: number;
  /** Serialized JSON. */
  body: string;
  headers?: Record<string, string>;
}

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** A JSON response. */
export function json(status: number, value: unknown, headers?: Record<string, string>): ApiResponse {
  return headers === undefined
    ? { status, body: JSON.stringify(value) }
    : { status, body: JSON.stringify(value), headers };
}

/** The API's error shape, `{"detail": "..."}`. */
export function detail(status: number, message: string, headers?: Record<string, string>): ApiResponse {
  return json(status, { detail: message }, headers);
}

/** A FastAPI-style 422 with a list of issues in `detail`. */
export function validationError(issues: ValidationIssue[]): ApiResponse {
  return json(422, { detail: issues });
}

/** Thrown by {@link readBody} when the body exceeds the limit. */
export class BodyTooLargeError extends Error {
  constructor() {
    super("request body too large");
    this.name = "BodyTooLargeError";
  }
}

/** Reads a whole request body. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Parses a JSON request body. An empty body parses as `undefined`.
 * @returns the value, or a 422 response in FastAPI's `json_invalid` shape.
 */
export function parseJsonBody(
  raw: Buffer,
): { ok: true; value: unknown } | { ok: false; response: ApiResponse } {
  if (raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw.toString("utf8")) };
  } catch (error) {
    const position = /position (\d+)/.exec(String(error))?.[1];
    return {
      ok: false,
      response: validationError([
        {
          loc: ["body", position === undefined ? 0 : Number(position)],
          msg: "JSON decode error",
          type: "json_invalid",
        },
      ]),
    };
  }
}

/** Writes a response with JSON content type and an exact length. */
export function send(res: ServerResponse, response: ApiResponse): void {
  res.writeHead(response.status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(response.body)),
    ...response.headers,
  });
  res.end(response.body);
}
