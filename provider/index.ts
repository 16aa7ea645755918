/**
 * The provider side of pulumi-scrapingpros, loaded by package name in the dynamic-provider process
 * (`require("pulumi-scrapingpros/provider")`).
 */
import { CollectionProvider } from "./dynamic/collection-provider";
import { CollectionRunProvider } from "./dynamic/collection-run-provider";
import { StackScopeProvider } from "./dynamic/stack-scope-provider";
import { startEngineWatchdog } from "./engine/engine-watchdog";

export * from "./client";
export * from "./core/collection/check";
export * from "./core/collection/diff";
export * from "./core/collection/state";
export { checkCollectionRun, unknownRunPropertyReason } from "./core/collection-run/check";
export { progressOf } from "./core/collection-run/operations";
export * from "./core/collection-run/own-run";
export {
  type CollectionRunInputs,
  type CollectionRunOutputs,
  DEFAULT_RUN_TIMEOUT_SECONDS,
  INTERNAL_RUN_INPUTS,
  KNOWN_RUN_PROPERTIES,
  RUN_OUTPUT_NAMES,
  RUN_REPLACE_PROPERTIES,
} from "./core/collection-run/state";
export * from "./core/config";
export * from "./core/identity";
export type { MessageSink, Severity } from "./core/message-sink";
export { ResourceInitError } from "./core/resource-init-error";
export * from "./core/results";
export * from "./core/rules/url-rules";
export * from "./dynamic/collection-provider";
export * from "./dynamic/collection-run-provider";
export * from "./dynamic/stack-scope-provider";
export { forEngine, type Warn } from "./dynamic/wire";
export * from "./native/schema";

/** The provider instance the serialized Collection resources call into. */
export const collectionProvider = new CollectionProvider();

/** The provider instance the serialized CollectionRun resources call into. */
export const collectionRunProvider = new CollectionRunProvider();

/** The provider instance the serialized StackScope resource calls into. */
export const stackScopeProvider = new StackScopeProvider();

// In the dynamic-provider process only: exit when the engine that started it is gone.
startEngineWatchdog();
