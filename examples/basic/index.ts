import { Collection } from "pulumi-scrapingpros";

// Named explicitly, with a webhook called when a run of the collection completes.
const tours = new Collection("daily-tours", {
  name: "daily-tours",
  callbackUrl: "https://hooks.example.com/scrapingpros",
  requests: [
    { url: "https://example.com/tours/1", custom_id: "tour-1-en", browser: true },
    {
      url: "https://example.com/tours/1?lang=es",
      custom_id: "tour-1-es",
      browser: true,
      screenshot: true,
      actions: [{ type: "wait-for-timeout", time: 2000 }],
    },
    { url: "https://example.com/tours/2", custom_id: "tour-2-en", use_proxy: "any" },
  ],
});

// No name: the provider derives one from the logical name ("prices-" plus a short digest).
const prices = new Collection("prices", {
  requests: [{ url: "https://example.org/prices/daily" }, { url: "https://example.org/prices/weekly" }],
});

export const toursId = tours.id;
export const toursName = tours.name;
export const toursRequestCount = tours.requestCount;
export const pricesId = prices.id;
export const pricesName = prices.name;
export const pricesRequestCount = prices.requestCount;
