/**
 * Writes `schema/collection.json` and `schema/collection-overlay.json` from the zod rules
 * (`npm run schema`). The files are committed: a rules change shows its schema change in the same
 * pull request, and a unit test fails when they are stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { collectionJsonSchemas } from "../provider/core/rules/collection-rules";

/** The files and their content, as `npm run schema` writes them. */
export function schemaFiles(): Record<string, string> {
  const { collection, overlay } = collectionJsonSchemas();
  return {
    "collection.json": `${JSON.stringify(collection, null, 2)}\n`,
    "collection-overlay.json": `${JSON.stringify(overlay, null, 2)}\n`,
  };
}

if (require.main === module) {
  const dir = path.join(__dirname, "..", "schema");
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(schemaFiles())) fs.writeFileSync(path.join(dir, name), text);
}
