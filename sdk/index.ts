/**
 * Declare ScrapingPros collections and runs in a Pulumi program ({@link Collection},
 * {@link CollectionRun}), look existing ones up ({@link getCollection}, {@link listCollections},
 * {@link getRun}) and verify webhook deliveries ({@link verifyWebhook}).
 * @module pulumi-scrapingpros
 */
export * from "./collection";
export {
  COLLECTION_RUN_TYPE,
  CollectionRun,
  type CollectionRunArgs,
} from "./collection-run";
export {
  type CollectionInfo,
  type GetCollectionArgs,
  type GetRunArgs,
  getCollection,
  getCollectionOutput,
  getRun,
  getRunOutput,
  type ListCollectionsArgs,
  type ListCollectionsResult,
  LookupNotFoundError,
  listCollections,
  listCollectionsOutput,
  type RunInfo,
} from "./lookups";
export { checkProviderModule, type ProviderModuleCheck, providerModuleError } from "./provider-module";
export { STACK_SCOPE_TYPE, StackScope } from "./stack-scope";
export {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  EMULATOR_WEBHOOK_SCHEME,
  RunCompletedEvent,
  signWebhookPayload,
  type VerifyWebhookArgs,
  verifyWebhook,
  type WebhookHeaders,
  type WebhookScheme,
  WebhookVerificationError,
  type WebhookVerificationReason,
} from "./webhooks";
