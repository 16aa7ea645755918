import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The READMEs point at files as their evidence ("each row names the test that holds it"): a moved or
 * renamed file must not leave a pointer to nothing behind.
 */
const ROOT = path.resolve(__dirname, "../..");
const TOP = ["tests", "provider", "sdk", "emulator", "scripts", "examples", "campaign", "bench", "schema"];

function pathsIn(markdown: string): string[] {
  const found = new Set<string>();
  for (const m of markdown.matchAll(/`([^`\s]+)`|\]\(([^)\s#]+)\)/g)) {
    const p = (m[1] ?? m[2] ?? "").replace(/^\.\//, "");
    if (TOP.some((t) => p === t || p.startsWith(`${t}/`)) && !/[*<>{}]/.test(p)) found.add(p);
  }
  return [...found];
}

describe("README paths", () => {
  for (const readme of ["README.md", "campaign/README.md", "emulator/README.md", "provider/README.md"]) {
    const file = path.join(ROOT, readme);
    if (!fs.existsSync(file)) continue;
    it(`every repository path that ${readme} names exists`, () => {
      const base = path.dirname(file);
      const text = fs.readFileSync(file, "utf8");
      const paths = pathsIn(text);
      if (readme === "README.md") assert.ok(paths.length > 20, `found only ${paths.length} paths`);
      const missing = paths.filter(
        (p) => !fs.existsSync(path.join(ROOT, p)) && !fs.existsSync(path.join(base, p)),
      );
      assert.deepEqual(missing, []);
    });
  }
});
