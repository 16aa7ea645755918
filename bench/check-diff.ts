/**
 * check + diff of one Collection with many requests, as the engine calls them at `pulumi preview`.
 * Run in its own process so its peak RSS is its own.
 */
import { checkCollection } from "../provider/core/collection/check";
import { diffCollection } from "../provider/core/collection/diff";

/** What {@link benchCheckDiff} measured. */
export interface CheckDiffResult {
  requests: number;
  /** check+diff of the first call (cold JIT), milliseconds. */
  firstMs: number;
  /** Median of the following runs, milliseconds. */
  medianMs: number;
  /** Peak resident set size of the process, bytes. */
  peakRssBytes: number;
  /** RSS before the inputs were built, bytes: what node and the modules take on their own. */
  baselineRssBytes: number;
}

const URN = "urn:pulumi:dev::bench::pulumi-nodejs:dynamic/scrapingpros:Collection::big";

/** Builds `n` distinct requests of the documented shape. */
export function makeRequests(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    url: `https://shop${i % 97}.example.com/products/${i}?ref=bench`,
    custom_id: `item-${i}`,
    browser: i % 2 === 0,
    actions: i % 10 === 0 ? [{ type: "wait-for-timeout", time: 500 }] : undefined,
  }));
}

/** Measures check+diff of a collection of `n` requests, `runs` times. */
export function benchCheckDiff(n = 50_000, runs = 7): CheckDiffResult {
  const baselineRssBytes = process.memoryUsage().rss;
  const olds = { name: "big", requests: makeRequests(n), __urn: URN };
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    // A fresh copy each time: the engine hands the provider newly deserialized objects.
    const news = { name: "big", requests: makeRequests(n), __urn: URN, __provider: "p" };
    (news.requests[n - 1] as { url: string }).url = `https://changed.example.com/${i}`;
    const t0 = process.hrtime.bigint();
    const checked = checkCollection(news);
    const diff = diffCollection(olds, checked.inputs);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (checked.failures.length > 0 || !diff.changes)
      throw new Error("bench inputs are not what they should be");
    times.push(ms);
  }
  const [first = 0, ...rest] = times;
  rest.sort((a, b) => a - b);
  return {
    requests: n,
    firstMs: first,
    medianMs: rest[Math.floor(rest.length / 2)] ?? first,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    baselineRssBytes,
  };
}

if (require.main === module) {
  process.stdout.write(`${JSON.stringify(benchCheckDiff())}\n`);
}
