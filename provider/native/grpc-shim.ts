/**
 * Serves the native provider with `@pulumi/pulumi/provider`'s `main`, plus what its server leaves
 * out. In `@pulumi/pulumi` 3.248 (and up to at least 3.276 and upstream HEAD), that server:
 *
 * - answers `Configure` without looking at the request, so an explicit provider's properties
 *   (its key, its URL) never reach the provider;
 * - answers `CheckConfig` and `DiffConfig` with UNIMPLEMENTED (the engine then passes the new
 *   properties through and never replaces the provider: nothing is checked at preview, and nothing
 *   can carry the stack's scope);
 * - drops the `timeout` of `Create` and `Update` (the resource's `customTimeouts`);
 * - sends no `diffs` with a Diff (the changed properties), so the engine cannot apply a resource's
 *   `replaceOnChanges`.
 *
 * `main` builds a `grpc.Server` and adds the ResourceProvider service to it synchronously, before
 * its first `await`; {@link serveNativeProvider} wraps `grpc.Server.prototype.addService` for that
 * one call, and replaces those handlers of the implementation it is given (Create, Update and Diff
 * run the SDK's own handler, with what it drops carried by `request-context.ts`). Everything else is
 * the SDK's. {@link SHIM_PULUMI_VERSION} is the SDK line this was checked against
 * (`tests/integration/provider/native/grpc-shim.spec.ts` fails on another one).
 */
import * as grpc from "@grpc/grpc-js";
import * as providerRpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import * as providerServer from "@pulumi/pulumi/provider";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { NativeProvider } from "./provider";
import { inRequest, type RequestRecord, withRequestTimeout } from "./request-context";

/** The `@pulumi/pulumi` minor line whose server this shim completes (`~3.248.0` in package.json). */
export const SHIM_PULUMI_VERSION = "3.248";

type Handler<Req, Res> = grpc.handleUnaryCall<Req, Res>;

/**
 * The handlers the shim replaces, over the SDK's implementation `base`.
 * @internal
 */
export function shimHandlers(
  provider: NativeProvider,
  base: providerRpc.IResourceProviderServer,
): Pick<
  providerRpc.IResourceProviderServer,
  "configure" | "checkConfig" | "diffConfig" | "create" | "update" | "diff"
> {
  const fail = (callback: (e: grpc.ServiceError) => void, e: unknown) =>
    callback(
      Object.assign(e instanceof Error ? e : new Error(String(e)), {
        code: grpc.status.UNKNOWN,
      }) as grpc.ServiceError,
    );

  const configure: Handler<providerPb.ConfigureRequest, providerPb.ConfigureResponse> = (call, callback) => {
    const req = call.request;
    const inputs = req.hasArgs()
      ? ((req.getArgs()?.toJavaScript() ?? {}) as Record<string, unknown>)
      : fromVariables(req.getVariablesMap().toObject());
    provider.configure({ urn: req.getUrn() ?? "", inputs }).then(
      // The SDK's own answer: it accepts secrets, resources and outputs.
      () => base.configure(call, callback),
      (e: unknown) => fail(callback, e),
    );
  };

  const checkConfig: Handler<providerPb.CheckRequest, providerPb.CheckResponse> = (call, callback) => {
    const req = call.request;
    provider.checkConfig(req.getUrn(), toObject(req.getOlds()), toObject(req.getNews())).then(
      (result) => {
        const resp = new providerPb.CheckResponse();
        resp.setInputs(Struct.fromJavaScript(result.inputs as Record<string, never>));
        resp.setFailuresList(
          result.failures.map((f) => {
            const failure = new providerPb.CheckFailure();
            failure.setProperty(f.property);
            failure.setReason(f.reason);
            return failure;
          }),
        );
        callback(null, resp);
      },
      (e: unknown) => fail(callback, e),
    );
  };

  const diffConfig: Handler<providerPb.DiffRequest, providerPb.DiffResponse> = (call, callback) => {
    const req = call.request;
    provider.diffConfig(req.getUrn(), toObject(req.getOlds()), toObject(req.getNews())).then(
      (diff) => {
        const resp = new providerPb.DiffResponse();
        resp.setChanges(
          diff.changes
            ? providerPb.DiffResponse.DiffChanges.DIFF_SOME
            : providerPb.DiffResponse.DiffChanges.DIFF_NONE,
        );
        resp.setDiffsList(diff.diffs);
        callback(null, resp);
      },
      (e: unknown) => fail(callback, e),
    );
  };

  return {
    configure,
    checkConfig,
    diffConfig,
    create: (call, callback) =>
      withRequestTimeout(call.request.getTimeout(), () => base.create(call, callback)),
    update: (call, callback) =>
      withRequestTimeout(call.request.getTimeout(), () => base.update(call, callback)),
    diff: (call, callback) => {
      const record: RequestRecord = {};
      inRequest(record, () =>
        base.diff(call, (err, resp, ...rest) => {
          if (resp && record.changedKeys) resp.setDiffsList(record.changedKeys);
          callback(err, resp, ...rest);
        }),
      );
    },
  };
}

/**
 * Serves `provider` as `provider.main(provider, args)` does, with the handlers of
 * {@link shimHandlers}. Resolves when the server listens (its port printed on stdout for the engine).
 * @throws Error when `main` added no ResourceProvider service through the `grpc` this module loaded
 *   (another copy of `@grpc/grpc-js`, or a server that changed): the shim would silently not apply.
 */
export async function serveNativeProvider(provider: NativeProvider, args: string[]): Promise<void> {
  const addService = grpc.Server.prototype.addService;
  let shimmed = false;
  grpc.Server.prototype.addService = function (this: grpc.Server, service, implementation) {
    if (service === providerRpc.ResourceProviderService) {
      const base = implementation as unknown as providerRpc.IResourceProviderServer;
      // The SDK's methods stay bound to its own object (`this.provider`), the shim's take their place.
      implementation = Object.assign(
        Object.create(base) as object,
        shimHandlers(provider, base),
      ) as typeof implementation;
      shimmed = true;
    }
    addService.call(this, service, implementation);
  };
  let serving: Promise<void>;
  try {
    // `main` adds the service before its first await, so the wrapper is gone when it returns.
    serving = providerServer.main(provider, args);
  } finally {
    grpc.Server.prototype.addService = addService;
  }
  if (!shimmed) {
    throw new Error(
      "scrapingpros: the provider server was not set up as expected (its gRPC service was not added " +
        `through this plugin's @grpc/grpc-js, or @pulumi/pulumi is not ${SHIM_PULUMI_VERSION}.x): Configure would ignore ` +
        "the provider's properties",
    );
  }
  return serving;
}

/** The properties of the deprecated `variables` of Configure (`scrapingpros:config:baseUrl` → `baseUrl`). */
function fromVariables(entries: [string, string][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) out[key.slice(key.lastIndexOf(":") + 1)] = value;
  return out;
}

function toObject(struct: Struct | undefined): Record<string, unknown> {
  return (struct?.toJavaScript() ?? {}) as Record<string, unknown>;
}
