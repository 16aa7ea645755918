export * from "./client";
export * from "./errors";
export * from "./rate-limit-policy";
export * from "./rate-limits";
export type { CollectionsResource } from "./resources/collections";
export type { JobsResource } from "./resources/jobs";
export type { RunsResource, StartedRun } from "./resources/runs";
export * from "./retry-policy";
export * from "./schemas";
