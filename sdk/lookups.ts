/**
 * Lookups: read collections and runs that exist in the account (another team's, or one made outside
 * Pulumi) without managing them, like `getX`/`getXOutput` of a generated Pulumi provider.
 *
 * They run in the program's process, not in the provider's, and read the same settings as the
 * resources: the stack's `scrapingpros:*` config first, then the `SCRAPINGPROS_*` environment
 * variables (provider/core/config.ts, `resolveSettings`). The API key is used only as the Bearer header:
 * it is never in a result, an error or a log line.
 *
 * Preview: like Pulumi's own invokes, a lookup whose inputs are known makes its call during
 * `pulumi preview` too (a plan needs the value). The `…Output` forms with an input that is unknown
 * during preview (e.g. the id of a collection still to be created) make no call and give an unknown
 * output.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_BASE_URL, ScrapingProsClient } from "../provider/client/client";
import { type ConfigSource, MISSING_KEY_MESSAGE, resolveSettings } from "../provider/core/config";
import {
  accountOf,
  type CollectionInfo,
  type GetCollectionArgs,
  type GetRunArgs,
  type ListCollectionsArgs,
  type ListCollectionsResult,
  type LookupClient,
  LookupNotFoundError,
  lookUpCollection,
  lookUpCollections,
  lookUpRun,
  type RunInfo,
  toRunInfo,
  type WithClient,
} from "../provider/core/lookups";

export {
  type CollectionInfo,
  type GetCollectionArgs,
  type GetRunArgs,
  type ListCollectionsArgs,
  type ListCollectionsResult,
  LookupNotFoundError,
  type RunInfo,
  toRunInfo,
};

/**
 * Reads one collection: `GET /v1/async/collections/{id}` (one call, also during preview).
 * @throws LookupNotFoundError when no collection has this id; other API errors as the client's errors.
 * @example const c = await getCollection({ id: "c38b0bcf-..." }); // { id, name, createdAt: "2026-…Z", updatedAt }
 */
export async function getCollection(args: GetCollectionArgs): Promise<CollectionInfo> {
  return lookUpCollection(withClient, args, false);
}

/**
 * {@link getCollection} with `Input`s: no call while `id` is unknown (during preview). The result is
 * secret when `id` is, and an error does not name a secret id.
 */
export function getCollectionOutput(args: { id: pulumi.Input<string> }): pulumi.Output<CollectionInfo> {
  const inputs = pulumi.output(args);
  return inputs.apply(async (a) => lookUpCollection(withClient, { id: a.id }, await pulumi.isSecret(inputs)));
}

/**
 * Lists collections: `GET /v1/async/collections?name=&name_prefix=&since=` (one call, also during
 * preview). The API has no paging (API notes §2.2): every match comes back.
 * @throws TypeError when `since` is not a valid time; API errors as the client's errors.
 */
export async function listCollections(args: ListCollectionsArgs = {}): Promise<ListCollectionsResult> {
  return lookUpCollections(withClient, args);
}

/** {@link listCollections} with `Input`s: no call while an argument is unknown. */
export function listCollectionsOutput(
  args: {
    name?: pulumi.Input<string | undefined>;
    namePrefix?: pulumi.Input<string | undefined>;
    since?: pulumi.Input<string | Date | undefined>;
  } = {},
): pulumi.Output<ListCollectionsResult> {
  return pulumi.output(args).apply((a) => listCollections(a as ListCollectionsArgs));
}

/**
 * Reads one run: `GET /v1/async/collections/{collectionId}/runs/{runId}` (one call, also during
 * preview), including its webhook delivery status.
 * @throws LookupNotFoundError when the collection or the run does not exist.
 */
export async function getRun(args: GetRunArgs): Promise<RunInfo> {
  return lookUpRun(withClient, args, false);
}

/**
 * {@link getRun} with `Input`s: no call while an argument is unknown. The result is secret when an
 * argument is, and an error then names neither id.
 */
export function getRunOutput(args: {
  collectionId: pulumi.Input<string>;
  runId: pulumi.Input<string>;
}): pulumi.Output<RunInfo> {
  const inputs = pulumi.output(args);
  return inputs.apply(async (a) =>
    lookUpRun(withClient, { collectionId: a.collectionId, runId: a.runId }, await pulumi.isSecret(inputs)),
  );
}

/**
 * The stack's `scrapingpros:*` config as the provider's {@link ConfigSource}: the same keys, read
 * through `pulumi.Config` in the program (outside a Pulumi run, e.g. in a plain script, only the
 * environment applies).
 */
export function programConfigSource(): ConfigSource {
  const config = new pulumi.Config("scrapingpros");
  return {
    get: (key) => config.get(key.slice(key.indexOf(":") + 1)),
    // So that an unknown `scrapingpros:*` key fails a lookup as it fails the provider.
    keys: () => Object.keys(pulumi.runtime.allConfig()),
  };
}

/**
 * One client per lookup (or per lookups made together), closed afterwards, so no keep-alive socket
 * holds the program open. Its `account` lets lookups of one account share calls (core/lookups.ts);
 * an Automation API process may run programs of several accounts at once.
 */
const withClient: WithClient = Object.assign(
  async <T>(fn: (client: LookupClient) => Promise<T>): Promise<T> => {
    const settings = programSettings();
    const client = new ScrapingProsClient({ ...settings.clientOptions, apiKey: settings.apiKey });
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  },
  {
    account: () => {
      const settings = programSettings();
      return accountOf(settings.clientOptions.baseUrl ?? DEFAULT_BASE_URL, settings.apiKey);
    },
  },
);

/** The program's settings, with a key. @throws Error with how to set the key when none is configured. */
function programSettings(): ReturnType<typeof resolveSettings> & { apiKey: string } {
  const settings = resolveSettings(programConfigSource(), process.env);
  if (!settings.apiKey) throw new Error(MISSING_KEY_MESSAGE);
  return settings as ReturnType<typeof resolveSettings> & { apiKey: string };
}
