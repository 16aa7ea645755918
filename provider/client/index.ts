export * from "./client";
export * from "./errors";
export type { StartedRun } from "./resources/runs";
export * from "./retry-policy";
export * from "./schemas";
