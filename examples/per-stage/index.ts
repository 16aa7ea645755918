import * as pulumi from "@pulumi/pulumi";
import { Collection, type ScrapeRequestArgs } from "pulumi-scrapingpros";

// Everything that differs between stages is stack config (Pulumi.<stack>.yaml); the code is the same.
const config = new pulumi.Config(); // the "per-stage:" namespace, after the project name
const stage = pulumi.getStack();

const sites = config.requireObject<string[]>("sites");
if (!Array.isArray(sites) || sites.length === 0 || sites.some((s) => typeof s !== "string")) {
  throw new Error("per-stage:sites must be a non-empty list of URLs");
}
const pagesPerSite = config.requireNumber("pagesPerSite", { min: 1, max: 1000 });
if (!Number.isInteger(pagesPerSite)) throw new Error("per-stage:pagesPerSite must be a whole number");
const browser = config.getBoolean("browser") ?? false;
const callbackUrl = config.get("callbackUrl");

// One request per page of each site: https://example.com/catalog?page=1, ...
const requests: ScrapeRequestArgs[] = sites.flatMap((site, s) =>
  Array.from({ length: pagesPerSite }, (_, p) => {
    const url = new URL(site);
    url.searchParams.set("page", String(p + 1));
    return { url: url.href, custom_id: `site${s + 1}-page${p + 1}`, browser };
  }),
);

// The stack name in the collection's name keeps the stages apart in one ScrapingPros account.
const catalog = new Collection("catalog", { name: `catalog-${stage}`, requests, callbackUrl });

export const collectionId = catalog.id;
export const collectionName = catalog.name;
export const requestCount = catalog.requestCount;
