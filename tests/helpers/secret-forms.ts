/**
 * The forms in which a secret could leak into text: as written, JSON-escaped, URL-encoded, in
 * base64 (padded, unpadded, URL-safe) and hex. Tests assert that none of them appears anywhere.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([
    secret,
    JSON.stringify(secret).slice(1, -1),
    JSON.stringify(JSON.stringify(secret)).slice(1, -1),
    encodeURIComponent(secret),
    encodeURI(secret),
    Buffer.from(secret).toString("base64"),
    Buffer.from(secret).toString("base64").replace(/=+$/, ""),
    Buffer.from(secret).toString("base64url"),
    Buffer.from(secret).toString("hex"),
  ]);
  return [...forms];
}

/** The forms of each secret found in `text`, as `secret: form` lines (empty when none leaks). */
export function leaks(secrets: readonly string[], text: string): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    for (const form of secretForms(secret)) if (text.includes(form)) found.push(`${secret}: ${form}`);
  }
  return found;
}
