/**
 * The native `scrapingpros` provider: an adapter between `@pulumi/pulumi/provider`'s server and the
 * core's operations (`core/collection/operations.ts`, `core/collection-run/operations.ts`,
 * `core/lookups.ts`), which do the work, make the calls and word the messages. It dispatches by the
 * type token of the URN and by the function token, decodes its wire (`wire.ts`: secret envelopes,
 * the engine's URN, the stack's scope from the provider's own properties) into the stored layout
 * the core takes, and encodes the results back (secrets in their envelope, times as ISO strings).
 *
 * One instance per plugin process, and so per provider resource (the default provider, or each
 * explicit `pulumi:providers:scrapingpros`): its settings come from Configure
 * (`provider-config.ts`), which the server shim (`grpc-shim.ts`) passes to {@link NativeProvider.configure}.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ScrapingProsClient } from "../client/client";
import { CollectionOperations } from "../core/collection/operations";
import { CollectionRunOperations, type RunPollOptions } from "../core/collection-run/operations";
import { type ProviderSettings, plainKeyWarning } from "../core/config";
import { LookupNotFoundError, lookUpCollection, lookUpCollections, lookUpRun } from "../core/lookups";
import { type MessageSink, stderrSink } from "../core/message-sink";
import { ProviderContext } from "../core/provider-context";
import type { CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult } from "../core/results";
import { NO_SECRETS, SecretRedactor, secretInputsOf } from "../core/secrets";
import { newStackScopeId } from "../core/stack-scope";
import { UserFacingError } from "../core/user-error";
import { PACKAGE_VERSION } from "../core/version";
import {
  checkProviderConfig,
  diffProviderConfig,
  originOf,
  propertiesSource,
  scopeIn,
} from "./provider-config";
import { reportChangedKeys, requestTimeoutMs } from "./request-context";
import { providerSchema } from "./schema";
import {
  parseRunImportId,
  rewrap,
  runFromEngine,
  runInitError,
  runToEngine,
  typeOfUrn,
  unwrapSecrets,
  withSecretInputs,
} from "./wire";

/** The package name of the plugin: resource plugin `scrapingpros`, tokens `scrapingpros:*`. */
export const NATIVE_PACKAGE_NAME = "scrapingpros";

/** The resource and function tokens the native provider serves (schema/provider.json). */
export const NATIVE_TOKENS = {
  /** The Collection resource. */
  collection: "scrapingpros:index:Collection",
  /** The CollectionRun resource. */
  collectionRun: "scrapingpros:index:CollectionRun",
  /** `getCollection`: one collection by id. */
  getCollection: "scrapingpros:index:getCollection",
  /** `listCollections`: collections by name, prefix or creation time. */
  listCollections: "scrapingpros:index:listCollections",
  /** `getRun`: one run of a collection. */
  getRun: "scrapingpros:index:getRun",
} as const;

/** Options of {@link createNativeProvider}, mostly for tests. */
export interface NativeProviderOptions {
  /** The version the plugin reports to the engine and in its schema. @default this package's */
  version?: string;
  /** The environment the settings' `SCRAPINGPROS_*` variables are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where messages go, with the URN of the resource they concern. @default stderr (main.ts gives the engine's log) */
  sink?: MessageSink;
  /** Builds the client; tests pass one with a short retry schedule. */
  clientFactory?: (settings: ProviderSettings) => ScrapingProsClient;
  /** How a CollectionRun's wait polls (tests shorten it). */
  poll?: RunPollOptions;
  /** Draws a new stack scope (CheckConfig, the first time). @default a random UUID */
  newScope?: () => string;
}

/** What Configure tells the provider: which provider resource it is, and its properties. */
export interface NativeConfigureRequest {
  /** The provider resource's URN (`…::pulumi:providers:scrapingpros::eu`). */
  urn: string;
  /** Its properties (secret ones in their envelope), the scope included. */
  inputs: Record<string, unknown>;
}

/** What DiffConfig answers: which properties changed. A change never replaces the provider. */
export interface NativeConfigDiff {
  /** Whether any property changed. */
  changes: boolean;
  /** The properties that changed. */
  diffs: string[];
}

/** What an invoke returns: the function's outputs (in the schema's shapes). */
export interface NativeInvokeResult {
  /** The outputs; in their secret envelope when an argument was secret. */
  outputs: Record<string, unknown>;
}

/**
 * The provider `provider.main` serves, with each method it implements typed as the core returns
 * it, plus the configuration hooks that the server of `@pulumi/pulumi` 3.248 does not call and the
 * shim (`grpc-shim.ts`) does.
 */
export interface NativeProvider extends pulumi.provider.Provider {
  /** The plugin's version. */
  readonly version: string;
  /** Configure: takes the provider's properties as its settings (the environment as the fallback). */
  configure(request: NativeConfigureRequest): Promise<void>;
  /** CheckConfig: the properties with the stack's scope, and what is wrong with the settings. */
  checkConfig(
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CheckResult>;
  /** DiffConfig: what changed; never a replacement. */
  diffConfig(
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<NativeConfigDiff>;
  /** Check of a resource: no call; the inputs as the engine stores them (secrets in their envelope). */
  check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult>;
  /** Diff of a resource: no call; `diffs` lists the changed properties. */
  diff(
    id: string,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<DiffResult & { diffs: string[] }>;
  /** Create of a resource. @throws ResourceInitError when it exists but is not what was declared */
  create(urn: string, inputs: Record<string, unknown>): Promise<CreateResult>;
  /** Read (refresh), or with no state, import. */
  read(id: string, urn: string, props?: Record<string, unknown>): Promise<ReadResult>;
  /** Update of a resource. @throws ResourceInitError when it exists but is not what was declared */
  update(
    id: string,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<UpdateResult>;
  /** Delete: no call (the API deletes nothing); a warning. */
  delete(id: string, urn: string, props: Record<string, unknown>): Promise<void>;
  /** A function: `getCollection`, `listCollections`, `getRun`. */
  invoke(token: string, inputs: Record<string, unknown>): Promise<NativeInvokeResult>;
}

/**
 * The native provider that `provider.main` serves as resource plugin `scrapingpros`.
 * @returns the provider, for `serveNativeProvider` (`grpc-shim.ts`)
 */
export function createNativeProvider(options: NativeProviderOptions = {}): NativeProvider {
  const version = options.version ?? PACKAGE_VERSION;
  const env = options.env ?? process.env;
  const sink = options.sink ?? stderrSink;
  const context = new ProviderContext({ clientFactory: options.clientFactory, env, sink });
  const collections = new CollectionOperations(context);
  const runs = new CollectionRunOperations(context, options.poll);
  let scope: string | undefined;

  /** The scope a resource's identity takes: the one its state holds, else the provider's. */
  const scopeFor = (olds: Record<string, unknown>): string | undefined => scopeIn(olds) ?? scope;

  const unknownType = (urn: string): never => {
    throw new UserFacingError(`the scrapingpros provider has no resource type ${typeOfUrn(urn)} (${urn})`);
  };

  return {
    version,
    getSchema: async () => providerSchema(version),

    async configure({ urn, inputs }) {
      const { values, secret } = unwrapSecrets(inputs);
      const origin = originOf(urn);
      scope = scopeIn(values);
      await context.configure(propertiesSource(values, origin));
      const key = values.apiKey;
      if (typeof key === "string" && key !== "" && !secret.has("apiKey")) {
        await context.say(
          "warning",
          plainKeyWarning(urn.split("::")[0]?.split(":").pop() ?? "", origin),
          urn,
        );
      }
    },

    async checkConfig(urn, olds, news) {
      return checkProviderConfig(
        urn,
        unwrapSecrets(olds).values,
        unwrapSecrets(news).values,
        env,
        options.newScope ?? newStackScopeId,
      );
    },

    async diffConfig(_urn, olds, news) {
      return diffProviderConfig(unwrapSecrets(olds).values, unwrapSecrets(news).values);
    },

    async check(urn, olds, news) {
      const old = unwrapSecrets(olds).values;
      const inputs = withSecretInputs(unwrapSecrets(news), urn, scopeFor(old));
      const type = typeOfUrn(urn);
      const result =
        type === NATIVE_TOKENS.collection
          ? await collections.check(urn, old, inputs)
          : type === NATIVE_TOKENS.collectionRun
            ? await runs.check(urn, old, inputs)
            : unknownType(urn);
      return {
        inputs: rewrap(result.inputs, secretInputsOf(result.inputs)),
        failures: result.failures.map(({ property, reason }) => ({ property, reason })),
      };
    },

    async diff(id, urn, olds, news) {
      const old = unwrapSecrets(olds).values;
      const next = unwrapSecrets(news).values;
      const type = typeOfUrn(urn);
      const result =
        type === NATIVE_TOKENS.collection
          ? await collections.diff(id, urn, old, next)
          : type === NATIVE_TOKENS.collectionRun
            ? await runs.diff(id, urn, runFromEngine(old), next)
            : unknownType(urn);
      // The engine applies `replaceOnChanges` to the changed keys, which the SDK's server drops.
      reportChangedKeys(result.diffs);
      return result;
    },

    async create(urn, inputs) {
      const props = unwrapSecrets(inputs).values;
      const type = typeOfUrn(urn);
      if (type === NATIVE_TOKENS.collection) {
        const timeoutMs = requestTimeoutMs();
        return collections.create(urn, props, timeoutMs !== undefined ? { createMs: timeoutMs } : undefined);
      }
      if (type === NATIVE_TOKENS.collectionRun) {
        const { id, outs } = await runs
          .create(urn, props)
          .catch((e: unknown) => Promise.reject(runInitError(e)));
        return { id, outs: runToEngine(outs as unknown as Record<string, unknown>) };
      }
      return unknownType(urn);
    },

    async read(id, urn, props) {
      const state = unwrapSecrets(props);
      const type = typeOfUrn(urn);
      // `pulumi import` (and the `import` resource option) read with no state at all.
      const importing = Object.keys(state.values).length === 0;
      let result: ReadResult;
      if (type === NATIVE_TOKENS.collection) {
        result = importing
          ? await collections.import(id, urn, scope)
          : await collections.read(id, urn, state.values);
      } else if (type === NATIVE_TOKENS.collectionRun) {
        if (importing) {
          const ids = parseRunImportId(id);
          if (!ids) {
            throw new UserFacingError(
              `a CollectionRun is imported by its collection's id and its own, as <collectionId>/<runId> ` +
                `(the API addresses a run by both), not ${JSON.stringify(id)}: ` +
                `pulumi import ${NATIVE_TOKENS.collectionRun} <name> <collectionId>/<runId>`,
            );
          }
          result = await runs.import(ids.collectionId, ids.runId, urn, scope);
        } else {
          result = await runs.read(id, urn, runFromEngine(state.values));
        }
        result = {
          ...result,
          ...(result.props ? { props: runToEngine(result.props) } : {}),
          ...(result.inputs ? { inputs: runToEngine(result.inputs) } : {}),
        };
      } else {
        return unknownType(urn);
      }
      // What the state held as a secret stays one (an output another option made secret, too).
      return {
        ...result,
        ...(result.props ? { props: rewrap(result.props, state.secret) } : {}),
        ...(result.inputs ? { inputs: rewrap(result.inputs, state.secret) } : {}),
      };
    },

    async update(id, urn, olds, news) {
      const old = unwrapSecrets(olds).values;
      const next = unwrapSecrets(news).values;
      const type = typeOfUrn(urn);
      if (type === NATIVE_TOKENS.collection) {
        const timeoutMs = requestTimeoutMs();
        return collections.update(
          id,
          urn,
          old,
          next,
          timeoutMs !== undefined ? { updateMs: timeoutMs } : undefined,
        );
      }
      if (type === NATIVE_TOKENS.collectionRun) {
        const { outs } = await runs
          .update(id, urn, runFromEngine(old), next)
          .catch((e: unknown) => Promise.reject(runInitError(e)));
        return { outs: runToEngine(outs as unknown as Record<string, unknown>) };
      }
      return unknownType(urn);
    },

    async delete(id, urn, props) {
      const state = unwrapSecrets(props).values;
      const type = typeOfUrn(urn);
      if (type === NATIVE_TOKENS.collection) return collections.delete(id, urn, state);
      if (type === NATIVE_TOKENS.collectionRun) return runs.delete(id, urn, runFromEngine(state));
      return unknownType(urn);
    },

    async invoke(token, inputs) {
      const { values, secret } = unwrapSecrets(inputs);
      const isSecret = secret.size > 0;
      // The context's one function (not one per invoke), so invokes that arrive together share list calls.
      const lookup = async (): Promise<object> => {
        switch (token) {
          case NATIVE_TOKENS.getCollection:
            return lookUpCollection(context.withClient, { id: values.id as string }, isSecret);
          case NATIVE_TOKENS.listCollections:
            return lookUpCollections(context.withClient, {
              ...(values.name !== undefined ? { name: values.name as string } : {}),
              ...(values.namePrefix !== undefined ? { namePrefix: values.namePrefix as string } : {}),
              ...(values.since !== undefined ? { since: values.since as string } : {}),
            });
          case NATIVE_TOKENS.getRun:
            return lookUpRun(
              context.withClient,
              { collectionId: values.collectionId as string, runId: values.runId as string },
              isSecret,
            );
          default:
            throw new UserFacingError(`the scrapingpros provider has no function ${token}`);
        }
      };
      const outputs = await context
        .run(
          "lookup",
          { urn: undefined, redactor: redactorOfArgs(values, secret), secretState: (p) => p },
          lookup,
        )
        .catch((e: unknown) => Promise.reject(lookupError(e)));
      // Everything a lookup returns comes from its arguments: a secret argument makes it all secret.
      const plain = JSON.parse(JSON.stringify(outputs)) as Record<string, unknown>;
      return { outputs: isSecret ? rewrap(plain, Object.keys(plain)) : plain };
    },
  };
}

/** The redactor of a lookup's secret arguments. */
function redactorOfArgs(values: Record<string, unknown>, secret: ReadonlySet<string>): SecretRedactor {
  return secret.size === 0 ? NO_SECRETS : new SecretRedactor([...secret].map((n) => values[n]));
}

/** A lookup's expected failures (no such collection or run, a bad argument) as one line, with no stack. */
function lookupError(e: unknown): unknown {
  if (e instanceof LookupNotFoundError || e instanceof TypeError) return new UserFacingError(e.message);
  return e;
}
