/**
 * The programs of the fault campaign: a model of what a user's program declares (collections at
 * the stack's root or inside components, auto-named or named, with a callback URL, adopting a kept
 * collection), the random edits users make to it between deployments, and the program's source as
 * a user would write it (TypeScript with `import { Collection } from "pulumi-scrapingpros"`, or
 * CommonJS with `require`).
 */

/** A seeded PRNG (mulberry32): the same seed gives the same campaign. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The components a program may hold collections in (always instantiated, no API call). */
export const COMPONENTS = ["ingest", "reports"] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export interface ScrapeRequest {
  url: string;
  custom_id?: string;
  browser?: boolean;
}

/** One Collection as the program declares it. */
export interface DeclaredCollection {
  /** Logical name, unique over the whole campaign of a stack (a rename takes a new one). */
  logical: string;
  component: ComponentName | null;
  /** Explicit `name`; auto-named when absent. */
  name?: string;
  requests: ScrapeRequest[];
  callbackUrl?: string;
  adoptExisting?: boolean;
  /** Alias source code for this deployment only (a rename or a move), e.g. `{ name: "c3" }`. */
  alias?: string;
  /** The name the stack recorded for it at the last check (auto-named ones: the derived name). */
  storedName?: string;
}

/** What a program declares, and what it declared once and removed (for destroy-and-re-add). */
export interface ProgramModel {
  lang: "ts" | "js";
  resources: DeclaredCollection[];
  removed: DeclaredCollection[];
  counter: number;
}

/** The API calls an edit is expected to make (the campaign's fault targets). */
export type TargetOp = "create" | "update" | "lookup";

export type EditKind =
  | "add-auto"
  | "add-named"
  | "remove"
  | "rename-alias"
  | "edit-requests"
  | "rename-explicit-name"
  | "change-callback"
  | "destroy-readd"
  | "move-component"
  | "adopt-existing"
  | "destroy-stack";

/** One applied edit, for the log. */
export interface Edit {
  kind: EditKind;
  logical: string;
  ops: TargetOp[];
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function randomRequests(rng: Rng, tag: string): ScrapeRequest[] {
  const n = rng.int(1, 4);
  const out: ScrapeRequest[] = [];
  for (let i = 0; i < n; i++) {
    const r: ScrapeRequest = { url: `https://example.com/${tag}/${rng.int(1, 9999)}/${i}` };
    if (rng.chance(0.3)) r.custom_id = `id-${rng.int(1, 999)}`;
    if (rng.chance(0.2)) r.browser = true;
    out.push(r);
  }
  return out;
}

const callback = (rng: Rng): string => `https://hooks.example.com/scrape/${rng.int(1, 9999)}`;

/** A new program of 1–4 collections. */
export function newProgram(rng: Rng): ProgramModel {
  const p: ProgramModel = { lang: rng.chance(0.5) ? "ts" : "js", resources: [], removed: [], counter: 0 };
  const n = rng.int(1, 4);
  for (let i = 0; i < n; i++) addCollection(rng, p, rng.chance(0.5));
  return p;
}

function addCollection(rng: Rng, p: ProgramModel, named: boolean): DeclaredCollection {
  const logical = `c${++p.counter}`;
  const c: DeclaredCollection = {
    logical,
    component: rng.chance(0.4) ? rng.pick(COMPONENTS) : null,
    requests: randomRequests(rng, logical),
  };
  if (named) c.name = `acme-${logical}-${rng.int(100, 999)}`;
  if (rng.chance(0.25)) c.callbackUrl = callback(rng);
  p.resources.push(c);
  return c;
}

/**
 * Applies one random edit to `p` (after dropping the previous deployment's aliases) and returns it.
 * `keptNames` are the names of collections the account holds that no resource of the stack
 * declares, each held by exactly one collection: the ones `adoptExisting` may take back;
 * `keptCallbacks` their callback URLs.
 */
export function applyRandomEdit(
  rng: Rng,
  p: ProgramModel,
  keptNames: string[],
  keptCallbacks: Record<string, string | null> = {},
): Edit {
  const kinds: EditKind[] = ["add-auto", "add-named", "edit-requests"];
  const live = p.resources;
  if (live.length > 0) kinds.push("remove", "rename-alias", "move-component", "edit-requests");
  if (live.some((c) => c.name !== undefined)) kinds.push("rename-explicit-name");
  if (live.some((c) => !c.adoptExisting)) kinds.push("change-callback");
  if (p.removed.length > 0) kinds.push("destroy-readd");
  kinds.push("adopt-existing");
  if (live.length > 0) kinds.push("destroy-stack");
  if (live.length >= 6) kinds.push("remove", "remove");
  const kind = rng.pick(kinds);
  switch (kind) {
    case "add-auto":
    case "add-named": {
      const c = addCollection(rng, p, kind === "add-named");
      return { kind, logical: c.logical, ops: c.name === undefined ? ["lookup", "create"] : ["create"] };
    }
    case "remove": {
      const c = rng.pick(live);
      p.resources = live.filter((x) => x !== c);
      p.removed.push(c);
      return { kind, logical: c.logical, ops: [] };
    }
    case "rename-alias": {
      const c = rng.pick(live);
      const old = c.logical;
      c.logical = `c${++p.counter}`;
      c.alias = `{ name: ${JSON.stringify(old)} }`;
      return { kind, logical: c.logical, ops: [] };
    }
    case "edit-requests": {
      if (live.length === 0) return applyRandomEdit(rng, p, keptNames, keptCallbacks);
      const c = rng.pick(live);
      c.requests = rng.chance(0.5)
        ? randomRequests(rng, c.logical)
        : [...c.requests.slice(0, -1), ...randomRequests(rng, c.logical)];
      return { kind, logical: c.logical, ops: ["update"] };
    }
    case "rename-explicit-name": {
      const c = rng.pick(live.filter((x) => x.name !== undefined));
      c.name = `acme-${c.logical}-${rng.int(1000, 9999)}`;
      // A name that no longer matches a kept collection adopts nothing: drop the flag with it.
      delete c.adoptExisting;
      return { kind, logical: c.logical, ops: ["update"] };
    }
    case "change-callback": {
      const c = rng.pick(live.filter((x) => !x.adoptExisting));
      if (c.callbackUrl !== undefined && rng.chance(0.3)) delete c.callbackUrl;
      else c.callbackUrl = callback(rng);
      // A replacement: auto-named ones look their new name up first.
      return { kind, logical: c.logical, ops: c.name === undefined ? ["lookup", "create"] : ["create"] };
    }
    case "destroy-readd": {
      const c = rng.pick(p.removed);
      p.removed = p.removed.filter((x) => x !== c);
      // Declared again as it was (its kept collection is found again: replayed key or name lookup).
      delete c.alias;
      p.resources.push(c);
      // Its kept collection is its own again: no other resource may adopt it in this deployment.
      removeName(keptNames, c.name ?? c.storedName);
      return {
        kind,
        logical: c.logical,
        ops: c.name === undefined ? ["lookup", "update"] : ["create", "update"],
      };
    }
    case "move-component": {
      const c = rng.pick(live);
      const from = c.component;
      const targets: (ComponentName | null)[] = [null, ...COMPONENTS].filter((t) => t !== from);
      c.component = rng.pick(targets);
      c.alias =
        from === null
          ? "{ parent: pulumi.rootStackResource }"
          : `{ parent: pulumi.createUrn(${JSON.stringify(from)}, "acme:scrape:Pipeline") }`;
      return { kind, logical: c.logical, ops: [] };
    }
    case "destroy-stack": {
      // `pulumi destroy`, then `up` of the same program: the stack's scope is new, so every
      // collection is created again and the destroyed ones stay in the account.
      const ops: TargetOp[] = live.some((c) => c.name === undefined || c.adoptExisting)
        ? ["lookup", "create"]
        : ["create"];
      return { kind, logical: "*", ops };
    }
    case "adopt-existing": {
      const logical = `c${++p.counter}`;
      const name =
        keptNames.length > 0 && rng.chance(0.7)
          ? rng.pick(keptNames)
          : `acme-${logical}-${rng.int(100, 999)}`;
      const c: DeclaredCollection = {
        logical,
        component: rng.chance(0.4) ? rng.pick(COMPONENTS) : null,
        name,
        adoptExisting: true,
        requests: randomRequests(rng, logical),
      };
      // The user declares the kept collection's callback URL: the API's PUT cannot change it (and
      // its GET does not show it), so adopting one with another callback cannot converge.
      const kept = keptCallbacks[name];
      if (kept) c.callbackUrl = kept;
      const adopting = keptNames.includes(name);
      p.resources.push(c);
      // A removed resource whose kept collection is taken back here cannot be declared again.
      p.removed = p.removed.filter((x) => (x.name ?? x.storedName) !== name);
      removeName(keptNames, name);
      return { kind, logical, ops: adopting ? ["lookup", "update"] : ["lookup", "create"] };
    }
  }
}

function removeName(names: string[], name: string | undefined): void {
  const i = name === undefined ? -1 : names.indexOf(name);
  if (i >= 0) names.splice(i, 1);
}

/** Drops the aliases of the previous deployment (the stack's state has the new URNs by now). */
export function dropAliases(p: ProgramModel): void {
  for (const c of p.resources) delete c.alias;
}

/** A deep copy of the model. */
export function copyProgram(p: ProgramModel): ProgramModel {
  return clone(p);
}

function argsSource(c: DeclaredCollection, indent: string): string {
  const args: Record<string, unknown> = {};
  if (c.name !== undefined) args.name = c.name;
  args.requests = c.requests;
  if (c.callbackUrl !== undefined) args.callbackUrl = c.callbackUrl;
  if (c.adoptExisting) args.adoptExisting = true;
  return JSON.stringify(args, null, 2).replace(/\n/g, `\n${indent}`);
}

function collectionSource(c: DeclaredCollection, parent: string | undefined, indent: string): string {
  const opts: string[] = [];
  if (parent) opts.push(`parent: ${parent}`);
  if (c.alias) opts.push(`aliases: [${c.alias}]`);
  const optsText = opts.length ? `, { ${opts.join(", ")} }` : "";
  return `${indent}new Collection(${JSON.stringify(c.logical)}, ${argsSource(c, indent)}${optsText});\n`;
}

const className = (c: ComponentName): string => `${c[0]?.toUpperCase()}${c.slice(1)}Pipeline`;

/** The program's source: `index.ts` or `index.js`. */
export function programSource(p: ProgramModel): string {
  const ts = p.lang === "ts";
  let s = ts
    ? 'import * as pulumi from "@pulumi/pulumi";\nimport { Collection } from "pulumi-scrapingpros";\n\n'
    : '"use strict";\nconst pulumi = require("@pulumi/pulumi");\nconst { Collection } = require("pulumi-scrapingpros");\n\n';
  for (const comp of COMPONENTS) {
    s += `class ${className(comp)} extends pulumi.ComponentResource {\n`;
    s += ts
      ? "  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {\n"
      : "  constructor(name, opts) {\n";
    s += `    super("acme:scrape:Pipeline", name, {}, opts);\n`;
    for (const c of p.resources.filter((x) => x.component === comp)) s += collectionSource(c, "this", "    ");
    s += "    this.registerOutputs({});\n  }\n}\n";
  }
  s += "\n";
  for (const comp of COMPONENTS) s += `const ${comp} = new ${className(comp)}(${JSON.stringify(comp)});\n`;
  s += "\n";
  for (const c of p.resources.filter((x) => x.component === null)) s += collectionSource(c, undefined, "");
  // Keep the component variables used (a linter would complain otherwise).
  s += ts
    ? `\nexport const components = [${COMPONENTS.join(", ")}].map((c) => c.urn);\n`
    : `\nexports.components = [${COMPONENTS.join(", ")}].map((c) => c.urn);\n`;
  return s;
}
