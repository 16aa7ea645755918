import { CollectionSet } from "pulumi-scrapingpros";

const scrapes = new CollectionSet("scrapes", { directory: "collections", overlays: "stages/{stack}" });
export const collections = scrapes.collections;
