/**
 * A local emulator of the ScrapingPros API, for tests and demos: {@link startEmulator} serves the
 * collections, runs, jobs and webhooks API on loopback, with fault injection and a journal.
 * @module pulumi-scrapingpros/emulator
 */
export { EmulatorClock, parseIso8601, toEpochSeconds, toIsoSeconds } from "./clock";
export type { Fault, FaultAction, HeldRequest } from "./faults";
export { matchPathPattern } from "./faults";
export type { JsonObject, JsonValue } from "./json";
export type { EmulatorOptions, FaultInput, RunningEmulator } from "./options";
export type { RateLimit } from "./rate-limit";
export { parseRateLimit } from "./rate-limit";
export type { BlockedUrl } from "./request-list";
export type { RequestLogEntry } from "./request-log";
export { startEmulator } from "./server";
export type { BlockedReason, HostMap, HostVerdict } from "./ssrf";
export { BLOCKED_REASON_MESSAGES, classifyUrl } from "./ssrf";
export type { CallbackStatus, StoredCollection, StoredJob, StoredRun } from "./store";
export type { WebhookAttempt } from "./webhooks";
export { signWebhook } from "./webhooks";
