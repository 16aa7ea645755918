/**
 * Collection-file inputs on which `pulumi-scrapingpros validate` and `CollectionSet` must agree,
 * run by both (tests/unit/sdk/cli.spec.ts and tests/unit/sdk/collection.spec.ts) with the stage's
 * overlays in `stages/dev` (`--overlay stages/dev`; `overlays: "stages/{stack}"` in the stack
 * `dev`).
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** One shared input and what both must say about it. */
export interface SharedCase {
  /** What the case is about. */
  title: string;
  /** Files by path relative to the project folder. */
  files: Record<string, string>;
  /** Every problem, formatted as `file:line:column path: reason (code)`, in order; none when valid. */
  problems: string[];
  /** Every notice, formatted the same way. */
  notices: string[];
  /** When valid: the collections' keys, sorted. */
  keys?: string[];
}

const OK = "requests:\n  - url: https://example.com/a\n";

/** The inputs. */
export const SHARED_CASES: SharedCase[] = [
  {
    title: "a stage without an overlay directory deploys the base files, with a notice naming it",
    files: { "collections/tours.yaml": `name: tours\n${OK}`, "collections/prices.yaml": OK },
    problems: [],
    notices: [
      "stages/dev:1:1 does not exist, so this stage has no overlays and deploys the base files as they are; if it should have some, check the directory's name (no_overlays)",
    ],
    keys: ["prices", "tours"],
  },
  {
    title: "an overlay path that is a file is an error",
    files: { "collections/tours.yaml": OK, "stages/dev": "not a directory\n" },
    problems: ["stages/dev:1:1 is not a directory of overlay files (not_a_directory)"],
    notices: [],
  },
  {
    title: "two base files with the same name: both named, at their name",
    files: {
      "collections/tours.yaml": `name: tours\n${OK}`,
      "collections/eu/tours.json": '{\n  "requests": [],\n  "name": "tours"\n}\n',
      "stages/dev/.keep": "",
    },
    problems: [
      'collections/eu/tours.json:3:11 name: "tours" is also the name declared in collections/tours.yaml:1:7: two collections would share one name; give each file its own (duplicate_name)',
      'collections/tours.yaml:1:7 name: "tours" is also the name declared in collections/eu/tours.json:3:11: two collections would share one name; give each file its own (duplicate_name)',
    ],
    notices: [],
  },
  {
    title: "a stage-only overlay file with a base file's name",
    files: {
      "collections/tours.yaml": `name: tours\n${OK}`,
      "stages/dev/smoke.yaml": `# dev only\nname: tours\n${OK}`,
    },
    problems: [
      'collections/tours.yaml:1:7 name: "tours" is also the name declared in stages/dev/smoke.yaml:2:7: two collections would share one name; give each file its own (duplicate_name)',
      'stages/dev/smoke.yaml:2:7 name: "tours" is also the name declared in collections/tours.yaml:1:7: two collections would share one name; give each file its own (duplicate_name)',
    ],
    notices: [],
  },
  {
    title: "two files whose names become equal after the stage's overlays",
    files: {
      "collections/a.yaml": `name: daily\n${OK}`,
      "collections/b.yaml": `name: weekly\n${OK}`,
      "stages/dev/b.yaml": "name: daily\n",
    },
    problems: [
      'collections/a.yaml:1:7 name: "daily" is also the name declared in stages/dev/b.yaml:1:7: two collections would share one name; give each file its own (duplicate_name)',
      'stages/dev/b.yaml:1:7 name: "daily" is also the name declared in collections/a.yaml:1:7: two collections would share one name; give each file its own (duplicate_name)',
    ],
    notices: [],
  },
  {
    title: "names alike but for case and surrounding spaces",
    files: {
      "collections/a.yaml": `name: Tours\n${OK}`,
      "collections/b.yaml": `name: " tours "\n${OK}`,
      "stages/dev/.keep": "",
    },
    problems: [
      'collections/a.yaml:1:7 name: "Tours" is also the name declared in collections/b.yaml:1:7 (as " tours ") (names are compared without surrounding spaces and ignoring case): two collections would share one name; give each file its own (duplicate_name)',
      'collections/b.yaml:1:7 name: " tours " is also the name declared in collections/a.yaml:1:7 (as "Tours") (names are compared without surrounding spaces and ignoring case): two collections would share one name; give each file its own (duplicate_name)',
    ],
    notices: [],
  },
  {
    title: "an overlay that removes one of two equal names resolves the clash in its stage",
    files: {
      "collections/a.yaml": `name: daily\n${OK}`,
      "collections/b.yaml": `name: weekly\n${OK}`,
      "stages/dev/b.yaml": "name: null\n",
    },
    problems: [],
    notices: [],
    keys: ["a", "b"],
  },
  {
    title: "a JSON file with a trailing comma on line 4 (the issue's input)",
    files: {
      "collections/badjson.json":
        '{\n  "name": "bad",\n  "requests": [\n    { "url": "https://example.com" },\n  ]\n}\n',
      "stages/dev/.keep": "",
    },
    problems: [
      'collections/badjson.json:4:37 is not valid JSON: trailing comma before "]": JSON allows no comma after the last element of a list; remove it (json_syntax)',
    ],
    notices: [],
  },
];

/** Writes `files` under `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}
