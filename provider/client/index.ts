export * from "./client";
export * from "./errors";
export * from "./rate-limit-policy";
export * from "./rate-limits";
export {
  createRedactor,
  MAX_DECODE_PASSES,
  MIN_RUN,
  MIN_SECRET_LENGTH,
  REDACTED,
  type Redactor,
  redactError,
  redactValue,
} from "./redact";
export type { CollectionsResource } from "./resources/collections";
export type { JobsResource } from "./resources/jobs";
export type { RunsResource, StartedRun } from "./resources/runs";
export * from "./retry-policy";
export * from "./schema";
export * from "./schemas";
