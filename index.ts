/**
 * The root Pulumi program, deployed by `npm run demo` against the embedded emulator: a few
 * collections as a team would declare them, one of them auto-named.
 */
import { Collection } from "pulumi-scrapingpros";

const tours = new Collection("daily-tours", {
  name: "daily-tours",
  requests: [
    { url: "https://tours.example.com/tours/1", custom_id: "en_pipeline", browser: true },
    { url: "https://tours.example.com/tours/1", custom_id: "es_pipeline", browser: true },
    { url: "https://tours.example.com/tours/2", custom_id: "tour_12346", use_proxy: "any" },
    {
      url: "https://www.example.com/",
      browser: true,
      screenshot: false,
      actions: [{ type: "wait-for-timeout", time: 5000 }],
    },
  ],
  callbackUrl: "https://hooks.example.com/scrapingpros",
});

// No name: derived from the URN ("price-watch-<digest>"), so an interrupted `pulumi up` finds it again.
const prices = new Collection("price-watch", {
  requests: ["laptops", "phones", "monitors"].map((category) => ({
    url: `https://shop.example.com/c/${category}?sort=price`,
    custom_id: `price-${category}`,
  })),
});

export const collections = {
  dailyTours: { id: tours.id, name: tours.name, requestCount: tours.requestCount },
  priceWatch: { id: prices.id, name: prices.name, requestCount: prices.requestCount },
};
