/**
 * Bytes of `__provider` stored in every Collection's state, against what `pulumi.dynamic.Resource`
 * would store for the same provider (its serializer captures the provider object by value).
 */
import * as pulumi from "@pulumi/pulumi";
import { SERIALIZED_PROVIDER } from "../sdk/collection";

/** What {@link benchProviderSize} measured. */
export interface ProviderSizeResult {
  ourBytes: number;
  /** The smallest delegating provider `dynamic.Resource` can serialize: one arrow per method. */
  dynamicResourceBytes: number;
}

export async function benchProviderSize(): Promise<ProviderSizeResult> {
  const load = (method: string, args: unknown[]) =>
    // biome-ignore lint/suspicious/noExplicitAny: the provider module's shape is not typed here
    (require("pulumi-scrapingpros/provider").collectionProvider as any)[method](...args);
  const delegating = {
    configure: (...a: unknown[]) => load("configure", a),
    check: (...a: unknown[]) => load("check", a),
    diff: (...a: unknown[]) => load("diff", a),
    create: (...a: unknown[]) => load("create", a),
    read: (...a: unknown[]) => load("read", a),
    update: (...a: unknown[]) => load("update", a),
    delete: (...a: unknown[]) => load("delete", a),
  };
  const serialized = await pulumi.runtime.serializeFunction(() => delegating, { allowSecrets: true });
  return {
    ourBytes: Buffer.byteLength(SERIALIZED_PROVIDER),
    dynamicResourceBytes: Buffer.byteLength(serialized.text),
  };
}
