/**
 * `pulumi-scrapingpros migrate-state`: rewrites a stack's exported state (`pulumi stack export`) so
 * that its collections and runs, created by the dynamic resources of this package, belong to the
 * native `scrapingpros` provider; `pulumi stack import` then loads it. No API call: the
 * collections, their ids, names, idempotency keys and runs stay as they are, and the next
 * `pulumi up` of a program that declares the same resources with the native provider makes no
 * write.
 *
 * Why a state rewrite and not an alias: the engine moves a resource across providers only through
 * an alias per resource, written in full (the old type and URN), and the dynamic resources' stack
 * scope would stay behind in a `StackScope` resource, whose deletion needs the dynamic provider
 * (Node.js and this package in the program's folder), which a Pulumi YAML project has not. The
 * stored layout of the two providers is the same by design (`provider/core/*\/state.ts`): only
 * what the dynamic-provider host adds differs.
 *
 * What changes, resource by resource:
 * - a dynamic `Collection` or `CollectionRun` (`pulumi-nodejs:dynamic/scrapingpros:*`): its type
 *   and URN take the native token (`scrapingpros:index:*`; parents, names, project and stack are
 *   kept); `__urn` follows the URN; `__provider`, `__timeouts` and `__replaceOnChanges` (what the
 *   dynamic SDK adds: the native provider takes `customTimeouts` and `replaceOnChanges` from the
 *   engine) are dropped; a run's `createdAt` is stored as an ISO time, as the native provider
 *   stores it; it references the native default provider;
 * - the `StackScope`: removed; its id, the stack's scope, becomes the native default provider's
 *   `__scope`, so idempotency keys and derived names of new resources stay this stack's;
 * - a new native default provider `pulumi:providers:scrapingpros::default` (the name the engine
 *   gives it for a Pulumi YAML program), with the `scrapingpros:*` settings the dynamic resources'
 *   provider held (a secret stays the same ciphertext: the stack's secrets provider is unchanged);
 * - the dynamic resources' `pulumi:providers:pulumi-nodejs` provider: removed when no other
 *   resource uses it;
 * - references (parent, dependencies, property dependencies, deletedWith) to a renamed URN follow
 *   it; references to the removed `StackScope` are dropped.
 *
 * It refuses a state with pending operations on these resources (an interrupted `pulumi up`:
 * `pulumi cancel`, then `pulumi refresh`), with no dynamic collection or run, or in which a native
 * URN it would write already exists.
 */
import { randomUUID } from "node:crypto";
import { toEngine } from "../provider/core/state-wire";

/** The dynamic resources' type tokens (`sdk/collection.ts`, `sdk/collection-run.ts`, `sdk/stack-scope.ts`). */
export const DYNAMIC_TYPES = {
  /** `Collection`. */
  collection: "pulumi-nodejs:dynamic/scrapingpros:Collection",
  /** `CollectionRun`. */
  collectionRun: "pulumi-nodejs:dynamic/scrapingpros:CollectionRun",
  /** `StackScope`, the dynamic resources' stack scope. */
  stackScope: "pulumi-nodejs:dynamic/scrapingpros:StackScope",
} as const;

/** The native provider's type tokens (`provider/native/provider.ts`, `NATIVE_TOKENS`). */
export const NATIVE_TYPES = {
  /** `Collection`. */
  collection: "scrapingpros:index:Collection",
  /** `CollectionRun`. */
  collectionRun: "scrapingpros:index:CollectionRun",
  /** The provider resource. */
  provider: "pulumi:providers:scrapingpros",
} as const;

/** The provider resource type of the dynamic resources. */
const DYNAMIC_PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";
/** What the dynamic SDK adds to a resource's properties, which the native provider does not store. */
const DYNAMIC_ONLY = ["__provider", "__timeouts", "__replaceOnChanges"];

/** One resource of an exported deployment (the fields this rewrite reads or changes; the rest are kept). */
export interface ExportedResource {
  /** Its URN. */
  urn: string;
  /** Its type token. */
  type: string;
  /** Its id (custom resources). */
  id?: string;
  /** Whether it is a custom resource. */
  custom?: boolean;
  /** Its inputs. */
  inputs?: Record<string, unknown>;
  /** Its outputs. */
  outputs?: Record<string, unknown>;
  /** Its parent's URN. */
  parent?: string;
  /** Its provider reference, `<provider URN>::<provider id>`. */
  provider?: string;
  /** URNs it depends on. */
  dependencies?: string[];
  /** URNs each property depends on. */
  propertyDependencies?: Record<string, string[]>;
  /** The URN whose deletion deletes it. */
  deletedWith?: string;
  /** Any other field, kept as it is. */
  [field: string]: unknown;
}

/** `pulumi stack export`'s JSON (version 3), with the fields this rewrite reads. */
export interface ExportedStack {
  /** The format version: 3. */
  version: number;
  /** The deployment. */
  deployment: {
    /** Its resources, each after those it depends on. */
    resources?: ExportedResource[];
    /** Operations an interrupted update left. */
    pending_operations?: { resource: ExportedResource; type: string }[];
    /** Any other field, kept as it is. */
    [field: string]: unknown;
  };
}

/** What {@link migrateState} did. */
export interface MigrationReport {
  /** The migrated resources, `old URN → new URN`. */
  renamed: [string, string][];
  /** The stack's scope, now the native default provider's. */
  scope: string;
  /** Whether the scope was drawn anew (a state written before the dynamic resources had one). */
  newScope: boolean;
  /** URNs removed: the `StackScope`, and the dynamic provider when nothing else uses it. */
  removed: string[];
  /** The native default provider's URN. */
  provider: string;
}

/** A state this command cannot rewrite; the message says why and what to do. */
export class MigrationError extends Error {
  override name = "MigrationError";
}

/** The type segment of a URN with its last type (after the parents' `$`) replaced by `type`. */
function withType(urn: string, type: string): string {
  const parts = urn.split("::");
  if (parts.length < 4) throw new MigrationError(`not a Pulumi URN: ${urn}`);
  const qualified = parts[2] as string;
  const i = qualified.lastIndexOf("$");
  parts[2] = i >= 0 ? `${qualified.slice(0, i + 1)}${type}` : type;
  return parts.join("::");
}

/** `urn:pulumi:<stack>::<project>` of a URN. */
function stackPrefix(urn: string): string {
  const parts = urn.split("::");
  return `${parts[0]}::${parts[1]}`;
}

/** The URN part of a provider reference `<urn>::<id>`. */
function referenceUrn(ref: string): string {
  return ref.slice(0, ref.lastIndexOf("::"));
}

/** Properties without what only the dynamic SDK stores, `__urn` set to `urn`, a run's times as ISO strings. */
function nativeProperties(
  props: Record<string, unknown> | undefined,
  urn: string,
  run: boolean,
): Record<string, unknown> | undefined {
  if (props === undefined) return undefined;
  const out: Record<string, unknown> = { ...props };
  for (const k of DYNAMIC_ONLY) delete out[k];
  if ("__urn" in out) out.__urn = urn;
  return run ? toEngine(out) : out;
}

/**
 * Rewrites `exported` (the parsed output of `pulumi stack export`) in place of a copy: the dynamic
 * collections and runs become the native provider's, as the module comment lists.
 * @param newScope draws the scope when the state has none (tests pass a fixed one) @default a random UUID
 * @param newId draws the native provider's id @default a random UUID
 * @returns the rewritten state and what changed
 * @throws MigrationError on a state it cannot rewrite (pending operations on these resources, nothing to migrate, a native URN that exists)
 */
export function migrateState(
  exported: ExportedStack,
  options: { newScope?: () => string; newId?: () => string } = {},
): { state: ExportedStack; report: MigrationReport } {
  if (typeof exported !== "object" || exported === null || typeof exported.deployment !== "object") {
    throw new MigrationError("this is not the output of `pulumi stack export` (no `deployment`)");
  }
  const state = JSON.parse(JSON.stringify(exported)) as ExportedStack;
  const resources = state.deployment.resources ?? [];
  const dynamicTypes = new Set<string>([DYNAMIC_TYPES.collection, DYNAMIC_TYPES.collectionRun]);
  const migrated = resources.filter((r) => dynamicTypes.has(r.type));
  if (migrated.length === 0) {
    throw new MigrationError(
      `the state holds no dynamic Collection or CollectionRun (${DYNAMIC_TYPES.collection}, ${DYNAMIC_TYPES.collectionRun}): nothing to migrate`,
    );
  }
  const pending = (state.deployment.pending_operations ?? []).filter(
    (op) => dynamicTypes.has(op.resource?.type) || op.resource?.type === DYNAMIC_TYPES.stackScope,
  );
  if (pending.length > 0) {
    throw new MigrationError(
      `the state has ${pending.length} pending operation${pending.length === 1 ? "" : "s"} on these resources ` +
        `(${pending.map((op) => `${op.type} ${op.resource.urn}`).join(", ")}), left by an interrupted update: ` +
        "run `pulumi cancel` if an update is still marked as running, then `pulumi refresh` (which asks what to do " +
        "with each pending create), and export the state again",
    );
  }

  const scopes = resources.filter((r) => r.type === DYNAMIC_TYPES.stackScope);
  const scopeIds = [...new Set(scopes.map((r) => r.id).filter((id): id is string => typeof id === "string"))];
  if (scopeIds.length > 1) {
    throw new MigrationError(
      `the state holds ${scopeIds.length} StackScope resources with different ids (${scopeIds.join(", ")}); a stack has one`,
    );
  }
  const scope = scopeIds[0] ?? (options.newScope ?? randomUUID)();

  const first = migrated[0] as ExportedResource;
  const prefix = stackPrefix(first.urn);
  const providerUrn = `${prefix}::${NATIVE_TYPES.provider}::default`;
  const providerRef = `${providerUrn}::${(options.newId ?? randomUUID)()}`;
  const existing = new Set(resources.map((r) => r.urn));
  if (existing.has(providerUrn)) {
    throw new MigrationError(
      `the state already holds the native default provider ${providerUrn}: migrate a stack before it uses the native provider`,
    );
  }

  const renamed = new Map<string, string>();
  for (const r of migrated) {
    const native = r.type === DYNAMIC_TYPES.collection ? NATIVE_TYPES.collection : NATIVE_TYPES.collectionRun;
    const urn = withType(r.urn, native);
    if (existing.has(urn) || [...renamed.values()].includes(urn)) {
      throw new MigrationError(`${urn} already exists in the state: ${r.urn} cannot take its place`);
    }
    renamed.set(r.urn, urn);
  }
  const removedScopes = new Set(scopes.map((r) => r.urn));

  // The dynamic resources' provider settings become the native provider's (`scrapingpros:x` → `x`).
  const dynamicProviders = new Set(
    migrated.map((r) => (r.provider ? referenceUrn(r.provider) : "")).filter((u) => u !== ""),
  );
  const settingsFrom = resources.find((r) => dynamicProviders.has(r.urn));
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settingsFrom?.inputs ?? {})) {
    if (k.startsWith("scrapingpros:")) settings[k.slice("scrapingpros:".length)] = v;
  }
  const providerProps = { ...settings, __scope: scope };
  const nativeProvider: ExportedResource = {
    urn: providerUrn,
    custom: true,
    id: providerRef.slice(providerUrn.length + 2),
    type: NATIVE_TYPES.provider,
    inputs: providerProps,
    outputs: { ...providerProps },
  };

  const follow = (urn: string) => renamed.get(urn) ?? urn;
  const out: ExportedResource[] = [];
  for (const r of resources) {
    if (removedScopes.has(r.urn)) continue;
    const isMigrated = renamed.has(r.urn);
    const next: ExportedResource = { ...r, urn: follow(r.urn) };
    if (isMigrated) {
      const run = r.type === DYNAMIC_TYPES.collectionRun;
      next.type = run ? NATIVE_TYPES.collectionRun : NATIVE_TYPES.collection;
      const inputs = nativeProperties(r.inputs, next.urn, run);
      const outputs = nativeProperties(r.outputs, next.urn, run);
      if (inputs) next.inputs = inputs;
      if (outputs) next.outputs = outputs;
      next.provider = providerRef;
    }
    if (r.parent !== undefined) next.parent = follow(r.parent);
    if (r.deletedWith !== undefined) next.deletedWith = follow(r.deletedWith);
    if (r.dependencies) {
      next.dependencies = r.dependencies.filter((d) => !removedScopes.has(d)).map(follow);
    }
    if (r.propertyDependencies) {
      const deps: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(r.propertyDependencies)) {
        if (isMigrated && (DYNAMIC_ONLY.includes(k) || k === "__scope" || k === "__urn")) continue;
        deps[k] = v.filter((d) => !removedScopes.has(d)).map(follow);
      }
      next.propertyDependencies = deps;
    }
    out.push(next);
  }

  // The native provider goes before the first resource that uses it; the dynamic provider goes
  // when nothing uses it any more.
  const firstUser = out.findIndex((r) => r.provider === providerRef);
  out.splice(firstUser, 0, nativeProvider);
  const removed = [...removedScopes];
  const stillUsed = new Set(out.map((r) => (r.provider ? referenceUrn(r.provider) : "")));
  const kept = out.filter((r) => {
    const drop = r.type === DYNAMIC_PROVIDER_TYPE && dynamicProviders.has(r.urn) && !stillUsed.has(r.urn);
    if (drop) removed.push(r.urn);
    return !drop;
  });
  state.deployment.resources = kept;
  return {
    state,
    report: { renamed: [...renamed], scope, newScope: scopeIds.length === 0, removed, provider: providerUrn },
  };
}

/** The report as lines for the CLI: what moved, the scope, what was removed, and the next steps. */
export function formatMigrationReport(report: MigrationReport): string {
  const lines = report.renamed.map(([from, to]) => `migrated ${from}\n      -> ${to}`);
  lines.push(
    report.newScope
      ? `the state had no stack scope (written before StackScope existed): ${NATIVE_TYPES.provider}::default gets a new one, ${report.scope}`
      : `the stack scope ${report.scope} moves to ${report.provider}`,
  );
  for (const urn of report.removed) lines.push(`removed ${urn}`);
  return `${lines.join("\n")}\n`;
}
