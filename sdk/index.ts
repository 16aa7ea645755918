/**
 * Declare ScrapingPros collections and runs in a Pulumi program ({@link Collection},
 * {@link CollectionRun}), look existing ones up ({@link getCollection}, {@link listCollections},
 * {@link getRun}) and verify webhook deliveries ({@link createWebhookVerifier}, {@link verifyWebhook}).
 * @module pulumi-scrapingpros
 */

export type { Schema, SchemaIssue, SchemaResult } from "../provider/client/schema";
export type {
  CollectionFile,
  CollectionFileAction,
  CollectionFileRequest,
  RuleCode,
} from "../provider/core/rules/collection-rules";
export type { UrlProblem } from "../provider/core/rules/url-rules";
export * from "./collection";
export {
  COLLECTION_FILE_EXTENSIONS,
  type CollectionFileEntry,
  collectionNameKey,
  type FilePosition,
  type FileProblem,
  formatFileProblem,
  type LoadedCollection,
  type LoadOptions,
  type LoadResult,
  listCollectionFiles,
  loadCollectionFiles,
  mergeOverlay,
  type ParsedFile,
  parseCollectionFile,
} from "./collection-files";
export {
  COLLECTION_RUN_TYPE,
  CollectionRun,
  type CollectionRunArgs,
} from "./collection-run";
export {
  COLLECTION_SET_TYPE,
  CollectionSet,
  type CollectionSetArgs,
  type CollectionSetEntry,
  CollectionSetError,
} from "./collection-set";
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
  createWebhookVerifier,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  EMULATOR_WEBHOOK_SCHEME,
  MAX_WEBHOOK_SIGNATURES,
  MAX_WEBHOOK_TOLERANCE_SECONDS,
  RunCompletedEvent,
  signWebhookPayload,
  type VerifiedWebhook,
  type VerifyWebhookArgs,
  verifyWebhook,
  WebhookConfigurationError,
  type WebhookConfigurationIssue,
  type WebhookDelivery,
  type WebhookHeaders,
  type WebhookScheme,
  type WebhookSecret,
  WebhookVerificationError,
  type WebhookVerificationReason,
  type WebhookVerifier,
  type WebhookVerifierOptions,
} from "./webhooks";
