/**
 * Finds runs of 8 characters of a key in text, in the encodings a server could echo it in, without
 * the redactor's code: each 8-character window of the key is encoded here with Node's own encoders
 * and looked for as is.
 */
export function keyRunsIn(text: string, key: string, run = 8): string[] {
  const found = new Set<string>();
  const lower = text.toLowerCase();
  for (let i = 0; i + run <= key.length; i++) {
    const w = key.slice(i, i + run);
    const forms = [
      w,
      encodeURIComponent(w),
      JSON.stringify(w).slice(1, -1),
      w
        .split("")
        .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
        .join(""),
      ...[0, 1, 2].flatMap((align) => [base64Core(w, align, false), base64Core(w, align, true)]),
    ];
    for (const f of forms) if (text.includes(f)) found.add(f);
    const hex = Buffer.from(w).toString("hex");
    if (lower.includes(hex)) found.add(hex);
  }
  return [...found];
}

/** The base64 characters of `s` at byte alignment `align` that do not depend on the bytes around it. */
function base64Core(s: string, align: number, url: boolean): string {
  const bytes = Buffer.from(s, "utf8");
  const b64 = Buffer.concat([Buffer.alloc(align), bytes]).toString(url ? "base64url" : "base64");
  return b64.slice(Math.ceil((8 * align) / 6), Math.floor((8 * (align + bytes.length)) / 6));
}

/** Everything an error exposes: message, stack, own fields (detail, headers, issues, history) and causes. */
export function everythingOf(e: unknown): string {
  const parts: unknown[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && depth < 6; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.message, cur.stack, { ...cur }, String(cur));
      cur = cur.cause;
    } else {
      parts.push(cur);
      cur = undefined;
    }
  }
  return JSON.stringify(parts);
}
