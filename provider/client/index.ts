export * from "./client";
export * from "./errors";
export * from "./rate-limit-policy";
export * from "./rate-limits";
export type { StartedRun } from "./resources/runs";
export * from "./retry-policy";
export * from "./schemas";
