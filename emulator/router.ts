/**
 * A minimal method + path router. Patterns are literal segments and `:name` parameters, e.g.
 * `/v1/async/collections/:collectionId/runs`.
 */
export class Router<H> {
  private readonly routes: { method: string; segments: string[]; handler: H }[] = [];

  /** Adds a route. */
  add(method: string, pattern: string, handler: H): this {
    this.routes.push({ method, segments: pattern.split("/"), handler });
    return this;
  }

  /**
   * Finds the route for a request.
   * @returns the handler and its parameters; `methodNotAllowed` with the allowed methods when the path
   *   exists under another method; `null` when no route has this path.
   */
  match(
    method: string,
    path: string,
  ): { handler: H; params: Record<string, string> } | { methodNotAllowed: string[] } | null {
    const segments = path.split("/");
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (params === null) continue;
      if (route.method === method) return { handler: route.handler, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { methodNotAllowed: allowed } : null;
  }
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of pattern.entries()) {
    const actual = path[i] ?? "";
    if (segment.startsWith(":")) {
      if (actual === "") return null;
      try {
        params[segment.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (segment !== actual) {
      return null;
    }
  }
  return params;
}
