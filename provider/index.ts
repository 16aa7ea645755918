/**
 * The provider side of pulumi-scrapingpros, loaded by package name in the dynamic-provider process
 * (`require("pulumi-scrapingpros/provider")`).
 */
import { CollectionProvider } from "./collection-provider";
import { CollectionRunProvider } from "./collection-run-provider";
import { startEngineWatchdog } from "./engine-watchdog";
import { StackScopeProvider } from "./stack-scope-provider";

export * from "./check";
export * from "./client";
export * from "./collection-provider";
export * from "./collection-run-provider";
export * from "./config";
export * from "./diff";
export type { MessageSink, Severity } from "./engine-log";
export * from "./idempotency";
export * from "./inputs";
export * from "./native/schema";
export * from "./results";
export * from "./stack-scope-provider";
export * from "./url-rules";

/** The provider instance the serialized Collection resources call into. */
export const collectionProvider = new CollectionProvider();

/** The provider instance the serialized CollectionRun resources call into. */
export const collectionRunProvider = new CollectionRunProvider();

/** The provider instance the serialized StackScope resource calls into. */
export const stackScopeProvider = new StackScopeProvider();

// In the dynamic-provider process only: exit when the engine that started it is gone.
startEngineWatchdog();
