/**
 * `Collection` in the program structures real programs use (components at any
 * depth with several children, `parent` across components, `dependsOn` on a component, stack
 * transformations, a Collection as a parent). Each program is TypeScript that imports the package
 * by name; each deploys, the emulator then holds exactly the declared collections, and the next
 * preview is clean without an API call.
 */
import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../helpers/emulator";
import { COLLECTION_TYPE, UserProject } from "../helpers/user-project";

const HEADER = `import * as pulumi from "@pulumi/pulumi";
import { Collection } from "pulumi-scrapingpros";
`;

/** The component: two auto-named collections. */
const PIPELINE = `
class Pipeline extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("acme:scrape:Pipeline", name, {}, opts);
    new Collection(\`\${name}-en\`, { requests: [{ url: "https://example.com/en" }] }, { parent: this });
    new Collection(\`\${name}-es\`, { requests: [{ url: "https://example.com/es" }] }, { parent: this });
    this.registerOutputs({});
  }
}
`;

/** A collection the emulator must hold: its name (a RegExp for derived names) and requests. */
interface Expected {
  name: string | RegExp;
  requests: Record<string, unknown>[];
}

/** A derived name: `<logical name>-<8 hex>`. */
const auto = (logical: string): RegExp => new RegExp(`^${logical}-[0-9a-f]{8}$`);

describe("e2e: program shapes", () => {
  let emu: RunningEmulator;
  let project: UserProject;

  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    emu.release();
    await emu.stop();
  });
  beforeEach(async () => {
    emu.reset();
    project = new UserProject();
    await project.initAgainst(emu);
  });
  afterEach(() => {
    project.dispose();
  });

  /**
   * Deploys `source`; checks that the emulator holds exactly `expected` (one collection each, with
   * its requests), that the API saw 1 POST per collection and 1 lookup GET per auto-named one, that
   * the state records the emulator's ids, and that the next preview is clean with 0 API calls.
   */
  async function deploysExactly(source: string, expected: Expected[]): Promise<void> {
    project.writeProgram(HEADER + source);
    await project.up();

    const held = emu.collections();
    const unmatched = new Set(held);
    for (const e of expected) {
      const matches = held.filter((c) =>
        typeof e.name === "string" ? c.name === e.name : e.name.test(c.name),
      );
      assert.equal(matches.length, 1, `collections named ${e.name}: ${matches.map((c) => c.name)}`);
      const [c] = matches;
      assert.ok(c);
      assert.deepEqual(c.requests, e.requests, `requests of ${c.name}`);
      unmatched.delete(c);
    }
    assert.deepEqual(
      [...unmatched].map((c) => c.name),
      [],
      "the emulator holds collections that were not declared",
    );

    // One POST per collection; the name lookups of the auto-named ones share list calls (at most
    // one call each).
    const autoNamed = expected.filter((e) => e.name instanceof RegExp).length;
    const methods = emu.requests().map((r) => r.method);
    assert.deepEqual(
      methods.filter((m) => m !== "GET"),
      Array(expected.length).fill("POST"),
      "API calls of the deployment",
    );
    const lookups = methods.filter((m) => m === "GET").length;
    assert.ok(autoNamed === 0 ? lookups === 0 : lookups >= 1 && lookups <= autoNamed, `${lookups} lookups`);

    const stateIds = (await project.collections()).map((c) => c.id).sort();
    assert.deepEqual(
      stateIds,
      held.map((c) => c.id).sort(),
      "the stack records the collections the emulator holds",
    );

    const mark = emu.requests().length;
    await project.expectNoChanges();
    assert.deepEqual(emu.requests().slice(mark), [], "preview made API calls");
  }

  it("the issue's Pipeline component with two collections deploys", async () => {
    await deploysExactly(`${PIPELINE}\nnew Pipeline("tours");\n`, [
      { name: auto("tours-en"), requests: [{ url: "https://example.com/en" }] },
      { name: auto("tours-es"), requests: [{ url: "https://example.com/es" }] },
    ]);
    const parents = (await project.resources())
      .filter((r) => r.type === COLLECTION_TYPE)
      .map((r) => r.parent ?? "");
    assert.equal(parents.length, 2);
    for (const p of parents) assert.match(p, /acme:scrape:Pipeline::tours$/);
  });

  it("one collection inside a component and another parented to the component from outside", async () => {
    await deploysExactly(
      `
class Site extends pulumi.ComponentResource {
  readonly pages: Collection;
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("acme:web:Site", name, {}, opts);
    this.pages = new Collection(
      \`\${name}-pages\`,
      { name: \`\${name}-pages\`, requests: [{ url: "https://shop.example.com/", custom_id: "home" }] },
      { parent: this },
    );
    this.registerOutputs({ pagesId: this.pages.id });
  }
}
const site = new Site("shop");
const sitemap = new Collection(
  "shop-sitemap",
  { requests: [{ url: "https://shop.example.com/sitemap.xml" }] },
  { parent: site },
);
export const ids = { pages: site.pages.id, sitemap: sitemap.id };
`,
      [
        { name: "shop-pages", requests: [{ url: "https://shop.example.com/", custom_id: "home" }] },
        { name: auto("shop-sitemap"), requests: [{ url: "https://shop.example.com/sitemap.xml" }] },
      ],
    );
    const sitemap = (await project.resources()).find((r) => r.urn.endsWith("::shop-sitemap"));
    assert.match(sitemap?.parent ?? "", /acme:web:Site::shop$/);
  });

  it("components nested 3 deep, several collections at each level, one parented across components", async () => {
    // Region → 2 Markets → 2 Feeds each; every component has one named and one auto-named
    // collection, and each Market adds one parented to its Region.
    const source = `
function pair(scope: pulumi.ComponentResource, name: string): Collection[] {
  return [
    new Collection(\`\${name}-list\`, { name: \`\${name}-list\`, requests: [{ url: \`https://example.com/\${name}/list\` }] }, { parent: scope }),
    new Collection(\`\${name}-detail\`, { requests: [{ url: \`https://example.com/\${name}/detail\` }] }, { parent: scope }),
  ];
}
class Feed extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super("acme:scrape:Feed", name, {}, opts);
    pair(this, name);
    this.registerOutputs({});
  }
}
class Market extends pulumi.ComponentResource {
  constructor(name: string, region: Region) {
    super("acme:scrape:Market", name, {}, { parent: region });
    pair(this, name);
    new Feed(\`\${name}-news\`, { parent: this });
    new Feed(\`\${name}-shop\`, { parent: this });
    new Collection(\`\${name}-audit\`, { name: \`\${name}-audit\`, requests: [{ url: \`https://example.com/\${name}/audit\` }] }, { parent: region });
    this.registerOutputs({});
  }
}
class Region extends pulumi.ComponentResource {
  constructor(name: string) {
    super("acme:scrape:Region", name, {}, {});
    pair(this, name);
    new Market(\`\${name}-fr\`, this);
    new Market(\`\${name}-de\`, this);
    this.registerOutputs({});
  }
}
new Region("eu");
`;
    const components = ["eu", "eu-fr", "eu-de", "eu-fr-news", "eu-fr-shop", "eu-de-news", "eu-de-shop"];
    const expected: Expected[] = [];
    for (const c of components) {
      expected.push({ name: `${c}-list`, requests: [{ url: `https://example.com/${c}/list` }] });
      expected.push({ name: auto(`${c}-detail`), requests: [{ url: `https://example.com/${c}/detail` }] });
    }
    for (const m of ["eu-fr", "eu-de"]) {
      expected.push({ name: `${m}-audit`, requests: [{ url: `https://example.com/${m}/audit` }] });
    }
    await deploysExactly(source, expected);
    assert.equal(emu.collections().length, 16);
    const byLogical = new Map((await project.resources()).map((r) => [r.urn.split("::").pop(), r]));
    assert.match(byLogical.get("eu-fr-news-detail")?.parent ?? "", /acme:scrape:Feed::eu-fr-news$/);
    assert.match(byLogical.get("eu-de-audit")?.parent ?? "", /acme:scrape:Region::eu$/);
  });

  it("a collection with dependsOn a component that holds other collections is created after them", async () => {
    await deploysExactly(
      `${PIPELINE}
const tours = new Pipeline("tours");
new Collection("report", { name: "tours-report", requests: [{ url: "https://example.com/report" }] }, { dependsOn: [tours] });
`,
      [
        { name: auto("tours-en"), requests: [{ url: "https://example.com/en" }] },
        { name: auto("tours-es"), requests: [{ url: "https://example.com/es" }] },
        { name: "tours-report", requests: [{ url: "https://example.com/report" }] },
      ],
    );
    // The emulator lists collections in creation order: the report's create waited for the
    // component's children (without dependsOn it would come first: it needs no lookup).
    const order = emu.collections().map((c) => c.name.replace(/-[0-9a-f]{8}$/, ""));
    assert.equal(order[2], "tours-report", `creation order: ${order.join(", ")}`);
  });

  it("a stack transformation that rewrites every resource's props", async () => {
    await deploysExactly(
      `
// Every resource passes through; collections get a proxy on each request.
pulumi.runtime.registerStackTransformation((args) => {
  const props: Record<string, unknown> = { ...args.props };
  if (args.type === "pulumi-nodejs:dynamic/scrapingpros:Collection") {
    props.requests = pulumi
      .output(args.props.requests as pulumi.Input<Record<string, unknown>[]>)
      .apply((requests) => requests.map((r) => ({ ...r, use_proxy: "any" })));
  }
  return { props, opts: args.opts };
});
${PIPELINE}
new Pipeline("tours");
new Collection("prices", { name: "prices", requests: [{ url: "https://example.com/prices" }] });
`,
      [
        { name: auto("tours-en"), requests: [{ url: "https://example.com/en", use_proxy: "any" }] },
        { name: auto("tours-es"), requests: [{ url: "https://example.com/es", use_proxy: "any" }] },
        { name: "prices", requests: [{ url: "https://example.com/prices", use_proxy: "any" }] },
      ],
    );
  });

  it("a collection parented to a collection", async () => {
    await deploysExactly(
      `
const catalog = new Collection("catalog", { name: "catalog", requests: [{ url: "https://example.com/catalog" }] });
const images = new Collection("catalog-images", { requests: [{ url: "https://example.com/images" }] }, { parent: catalog });
export const names = { catalog: catalog.name, images: images.name };
`,
      [
        { name: "catalog", requests: [{ url: "https://example.com/catalog" }] },
        { name: auto("catalog-images"), requests: [{ url: "https://example.com/images" }] },
      ],
    );
    const images = (await project.resources()).find((r) => r.urn.endsWith("::catalog-images"));
    assert.match(images?.parent ?? "", /scrapingpros:Collection::catalog$/);
  });
});
