import * as pulumi from "@pulumi/pulumi";
import { ensureProviderModuleResolves } from "./provider-module";
import { checkStackSettings } from "./settings-check";

/** The type token of the per-stack scope. Never change it: existing state would be orphaned. */
export const STACK_SCOPE_TYPE = "pulumi-nodejs:dynamic/scrapingpros:StackScope";

/** The logical name of the per-stack scope resource. */
export const STACK_SCOPE_NAME = "scrapingpros-stack-scope";

/** The serialized provider of the scope: loads it by package name, like the Collection's. */
export const SERIALIZED_SCOPE_PROVIDER =
  'exports.handler = function () { return require("pulumi-scrapingpros/provider").stackScopeProvider; };\n';

/**
 * One per stack, created by the first {@link Collection} of a program: its id is a random UUID
 * made once, when the stack first deploys a collection, and kept in the stack's state. Idempotency
 * keys and derived names include it, so two stacks with the same project and stack names on two
 * backends (two developers' local `dev` stacks sharing an API key) never replay or adopt each
 * other's collections, while a rerun of the same stack (after a killed `pulumi up`) derives the
 * same keys and names. It makes no API call and holds nothing else.
 */
export class StackScope extends pulumi.CustomResource {
  /** Created by the first {@link Collection} or {@link CollectionRun} of a program (one per stack); not constructed directly. */
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(STACK_SCOPE_TYPE, name, { __provider: SERIALIZED_SCOPE_PROVIDER }, opts);
  }
}

const SCOPES = Symbol.for("pulumi-scrapingpros.stack-scopes");
type ScopeRegistry = WeakMap<object, StackScope>;

/**
 * The scope of the stack being deployed, registered on first use. Keyed by the run's stack
 * resource, so an Automation API process that runs several programs gets one scope per run, and
 * kept on `globalThis` under a `Symbol.for` key, so two copies of this package in one program
 * share it. The first call in a process checks that the dynamic-provider process can load this
 * package's provider from the program's working directory (see {@link ensureProviderModuleResolves}),
 * and the stack's settings (`checkStackSettings`).
 * @throws pulumi.RunError when it cannot, or when the stack config's base URL carries a credential,
 *   naming the cause and the fix.
 */
export function stackScope(): StackScope {
  const g = globalThis as { [SCOPES]?: ScopeRegistry };
  g[SCOPES] ??= new WeakMap();
  const registry = g[SCOPES];
  const run: object = pulumi.runtime.getStackResource() ?? g;
  let scope = registry.get(run);
  if (!scope) {
    ensureProviderModuleResolves();
    // Once per deployment, like the scope itself, and before it: a refused setting registers nothing.
    checkStackSettings();
    scope = new StackScope(STACK_SCOPE_NAME);
    registry.set(run, scope);
  }
  return scope;
}
