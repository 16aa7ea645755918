/**
 * A template tag that builds a URL path, percent-encoding every interpolated value and refusing
 * values that would change the path's shape (`.`/`..` segments or empty ids).
 * @example path`/v1/async/collections/${id}` // "/v1/async/collections/c38b0bcf-…"
 */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    if (value === "" || value === "." || value === "..") {
      throw new TypeError(`invalid path parameter ${JSON.stringify(value)} in ${strings.join("{}")}`);
    }
    out += encodeURIComponent(value) + (strings[i + 1] ?? "");
  });
  return out;
}
