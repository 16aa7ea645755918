import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Collection, type ScrapeRequestArgs } from "pulumi-scrapingpros";
import * as YAML from "yaml";

/** What one file of collections/ declares. */
interface CollectionFile {
  name?: string;
  callbackUrl?: string;
  requests: ScrapeRequestArgs[];
}

const DIR = path.join(__dirname, "collections");
const FIELDS = ["name", "callbackUrl", "requests"];

/** Reads and checks one file, so a typo fails the pull request's preview with the file's name. */
function load(file: string): CollectionFile {
  const fail = (message: string): never => {
    throw new pulumi.RunError(`collections/${file}: ${message}`);
  };
  let data: unknown;
  try {
    data = YAML.parse(fs.readFileSync(path.join(DIR, file), "utf8"));
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return fail("expected a mapping");
  const d = data as Record<string, unknown>;
  for (const key of Object.keys(d)) {
    if (!FIELDS.includes(key)) fail(`unknown field "${key}" (expected ${FIELDS.join(", ")})`);
  }
  for (const key of ["name", "callbackUrl"]) {
    if (d[key] !== undefined && typeof d[key] !== "string") fail(`"${key}" must be a string`);
  }
  const requests = d["requests"];
  if (
    !Array.isArray(requests) ||
    requests.some((r) => typeof r !== "object" || r === null || typeof r["url"] !== "string")
  ) {
    fail(`"requests" must be a list of objects, each with a "url"`);
  }
  return d as unknown as CollectionFile;
}

// One collection per file; the logical name is the file name without ".yaml".
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

export const collections = Object.fromEntries(
  files.map((file) => {
    const spec = load(file);
    const c = new Collection(path.basename(file, ".yaml"), spec);
    return [path.basename(file, ".yaml"), { id: c.id, name: c.name, requestCount: c.requestCount }];
  }),
);
