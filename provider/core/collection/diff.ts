/**
 * `diff`: decides between no change, an in-place update and a replacement. Pure.
 *
 * `name` and `requests` change in place (one PUT). `callbackUrl` forces a replacement: the API's
 * PUT is not documented to accept it. `adoptExisting`/`adoptId` only steer a create and the
 * internal `__urn`/`__provider` are ignored. No `detailedDiff` is returned, so the engine renders
 * its own property-level diff (`pulumi preview --diff` shows `~ requests[1].url`).
 */
import { REPLACE_PROPERTIES } from "./state";

/** The result of {@link diffCollection}. */
export interface CollectionDiff {
  /** Whether any diffed property changed (an update or a replacement). */
  changes: boolean;
  /**
   * The properties that changed, replaced or not. The native provider reports them to the engine,
   * which needs them to apply a resource's `replaceOnChanges` option itself.
   */
  diffs: string[];
  /**
   * The changed properties that force a replacement: `callbackUrl`, and those matched by the
   * resource's `replaceOnChanges`. Empty for an in-place update.
   */
  replaces: string[];
  /** Properties an update leaves as they are: `["name"]` for an in-place update, `[]` for a replacement. */
  stables: string[];
  /** Whether the old resource is deleted before its replacement is created; always `false` (the old one is kept). */
  deleteBeforeReplace: boolean;
}

/**
 * Equality of JSON values as their canonical JSON would compare them (key order ignored, an
 * `undefined` member the same as a missing one), without serializing: `diff` runs on every
 * preview, and serializing a 50,000-request list twice costs ten times more. Iterative, so no
 * depth of nesting exhausts the stack.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  const pending: [unknown, unknown][] = [[a, b]];
  while (pending.length > 0) {
    const [x, y] = pending.pop() as [unknown, unknown];
    if (x === y) continue;
    if (x === undefined || x === null) {
      if (y === undefined || y === null) continue;
      return false;
    }
    if (typeof x !== "object" || typeof y !== "object" || y === null) return false;
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) pending.push([x[i], y[i]]);
      continue;
    }
    if (Array.isArray(y)) return false;
    const xo = x as Record<string, unknown>;
    const yo = y as Record<string, unknown>;
    let defined = 0;
    for (const k in xo) {
      if (xo[k] === undefined) continue;
      defined++;
      if (!Object.hasOwn(yo, k)) return false;
      pending.push([xo[k], yo[k]]);
    }
    for (const k in yo) if (yo[k] !== undefined) defined--;
    if (defined !== 0) return false;
  }
  return true;
}

const same = sameJson;

/** The properties whose change the diff reports (in place or by replacement). */
const DIFFED_PROPERTIES = ["name", "requests", ...REPLACE_PROPERTIES] as const;

/**
 * Compares the stored outputs `olds` with the checked inputs `news`. Properties matched by the
 * resource's `replaceOnChanges` option (passed by the SDK as `__replaceOnChanges`, because the
 * dynamic-provider host reports no changed keys to the engine) are replaced instead of updated.
 */
export function diffCollection(olds: Record<string, unknown>, news: Record<string, unknown>): CollectionDiff {
  const changed = DIFFED_PROPERTIES.filter((p) => !same(olds[p], news[p]));
  const paths = Array.isArray(news.__replaceOnChanges)
    ? news.__replaceOnChanges.filter((p): p is string => typeof p === "string")
    : [];
  const replaces = changed.filter(
    (p) =>
      (REPLACE_PROPERTIES as readonly string[]).includes(p) ||
      paths.some((path) => replaceOnChangesMatches(path, p, olds, news)),
  );
  return {
    changes: changed.length > 0,
    diffs: [...changed],
    replaces,
    stables: replaces.length === 0 ? ["name"] : [],
    deleteBeforeReplace: false,
  };
}

/** One segment of a Pulumi property path: a key, an index, or `*`. */
export type PathSegment = string | number | typeof WILDCARD;
/** The segment a `*` (or `[*]`) in a property path parses to: any key or index. */
export const WILDCARD = Symbol("*");

/**
 * Parses a property path as Pulumi's `replaceOnChanges` takes it: `requests`, `requests[0].url`,
 * `requests[*].url`, `["name"]`, `*`.
 * @throws Error on a malformed path, naming it.
 */
export function parsePropertyPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const re = /(?:^|\.)([A-Za-z_$][\w$-]*|\*)|\[(\d+|\*|"(?:[^"\\]|\\.)*")\]/y;
  const invalid = () => new Error(`invalid property path ${JSON.stringify(path)}`);
  if (path.startsWith(".")) throw invalid();
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) throw invalid();
    const token = m[1] ?? m[2] ?? "";
    if (token === "*") segments.push(WILDCARD);
    else if (m[2] !== undefined && /^\d+$/.test(token)) segments.push(Number(token));
    else if (m[2] !== undefined) segments.push(JSON.parse(token) as string);
    else segments.push(token);
    i = re.lastIndex;
  }
  if (segments.length === 0) throw invalid();
  return segments;
}

/** Whether `path` selects part of top-level `property` whose value differs between olds and news. */
function replaceOnChangesMatches(
  path: string,
  property: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): boolean {
  let segments: PathSegment[];
  try {
    segments = parsePropertyPath(path);
  } catch {
    return false; // check reports malformed paths
  }
  const [head, ...rest] = segments;
  if (head !== WILDCARD && head !== property) return false;
  return !same(project(olds[property], rest), project(news[property], rest));
}

/** The part of `value` a path selects, keeping the structure wildcards expand over. */
function project(value: unknown, segments: PathSegment[]): unknown {
  if (segments.length === 0) return value;
  const [head, ...rest] = segments;
  if (value === null || typeof value !== "object") return undefined;
  if (head === WILDCARD) {
    return Array.isArray(value)
      ? value.map((v) => project(v, rest))
      : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, project(v, rest)]));
  }
  return project((value as Record<string | number, unknown>)[head as string | number], rest);
}
