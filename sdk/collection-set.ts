import * as pulumi from "@pulumi/pulumi";
import { Collection } from "./collection";
import {
  type FileProblem,
  formatFileProblem,
  type LoadedCollection,
  loadCollectionFiles,
} from "./collection-files";

/** The type token of {@link CollectionSet}. Never change it: existing state would be orphaned. */
export const COLLECTION_SET_TYPE = "scrapingpros:index:CollectionSet";

/**
 * The arguments of a {@link CollectionSet}. Paths are relative to the program's working directory
 * (the Pulumi project's directory).
 * @example { directory: "collections", overlays: "stages/{stack}" }
 */
export interface CollectionSetArgs {
  /**
   * Directory of the collection files: every `*.yaml`, `*.yml` and `*.json` file in it and its
   * subdirectories (names starting with `.` are skipped) declares one collection, with the fields
   * `requests` (required), `name` and `callbackUrl`, as in `pulumi-scrapingpros/schema/collection.json`.
   */
  directory: string;
  /**
   * Directory of this stage's overlay files; `{stack}` is replaced by the stack's name. A file here
   * changes the base file with the same path (extension aside) by JSON Merge Patch (RFC 7396): each
   * field it sets replaces the base's (`requests` as a whole list), `null` removes a field (`name`,
   * `callbackUrl`). A file with no base file is a collection of this stage only. A directory that
   * does not exist means no overlays: the stage deploys the base files as they are, and an info
   * message on this component names the directory (a misspelled one looks the same), at every
   * preview and update; `pulumi-scrapingpros validate --overlay` says the same as a note. A path
   * that is a file, not a directory, is an error.
   * @example "stages/{stack}"
   */
  overlays?: string;
  /**
   * Resource options of each collection, by key (the file's path relative to `directory`,
   * without extension) and file; merged over `{ parent: this }`. Use it for `aliases` (e.g. when
   * collections declared one by one move into a set), `customTimeouts`, `replaceOnChanges` or
   * `protect` per collection.
   */
  collectionOptions?: (key: string, file: string) => pulumi.CustomResourceOptions;
}

/** What a {@link CollectionSet} reports for one file. */
export interface CollectionSetEntry {
  /** The collection's id in ScrapingPros. */
  id: string;
  /** The collection's name (the declared or the derived one). */
  name: string;
  /** How many requests the API kept. */
  requestCount: number;
}

/**
 * Thrown by {@link CollectionSet} when a file is bad, before anything is registered: its message
 * lists every problem of every file, one per line, as `file:line:column path: reason (code)`.
 */
export class CollectionSetError extends pulumi.RunError {
  /** Every problem, in the order of the message's lines. */
  readonly problems: FileProblem[];
  constructor(problems: FileProblem[]) {
    const n = problems.length;
    super(
      `${n} problem${n === 1 ? "" : "s"} in collection files, nothing was registered:\n${problems
        .map(formatFileProblem)
        .join("\n")}`,
    );
    this.problems = problems;
  }
}

/**
 * The collections of a directory of files, one `Collection` per file, as children of this
 * component: a GitOps repository's whole program.
 *
 * At construction every file (and the stage's overlays) is read and checked by the same rules as
 * the provider's `check`; one bad file fails the program, so the preview fails with every problem
 * and nothing is created or changed. Each child's logical name is the set's name, `-`, and the
 * file's path relative to `directory` without extension (`collections/eu/tours.yaml` in the set
 * `scrapes` → `scrapes-eu/tours`): it stays the same as long as the file keeps its path, so an edit
 * is an update. `a.yaml` next to `a.json` (or `a.yml`) is an error, and so are two files whose
 * `name`s are alike in this stage (ignoring case, Unicode form and surrounding spaces): both are
 * named, with positions, and nothing is registered.
 * @example
 * import { CollectionSet } from "pulumi-scrapingpros";
 * const set = new CollectionSet("scrapes", { directory: "collections", overlays: "stages/{stack}" });
 * export const collections = set.collections;
 */
export class CollectionSet extends pulumi.ComponentResource {
  /**
   * Each file's collection, keyed by the file's path relative to the working directory (the base
   * file, or the overlay file for a stage-only collection): its id, name and request count.
   */
  readonly collections: pulumi.Output<Record<string, CollectionSetEntry>>;
  /** The `Collection` resources, keyed by the file's path relative to `directory`, without extension. */
  readonly resources: Record<string, Collection>;
  /** What was loaded: each collection's key, files and validated declaration. */
  readonly declarations: LoadedCollection[];

  /**
   * @param name The component's logical name, the prefix of its children's.
   * @param args Where the files are.
   * @param opts Resource options of the component; its children inherit them as Pulumi's children do
   *   (provider, protect, aliases of the parent).
   * @throws CollectionSetError when any file is bad (nothing is registered then).
   */
  constructor(name: string, args: CollectionSetArgs, opts?: pulumi.ComponentResourceOptions) {
    const overlays = args.overlays?.split("{stack}").join(pulumi.getStack());
    const loaded = loadCollectionFiles({
      directory: args.directory,
      ...(overlays !== undefined ? { overlays } : {}),
    });
    if (loaded.problems.length > 0) throw new CollectionSetError(loaded.problems);
    super(COLLECTION_SET_TYPE, name, {}, opts);
    for (const n of loaded.notices) void pulumi.log.info(formatFileProblem(n), this);
    this.declarations = loaded.collections;
    this.resources = {};
    const entries: Record<string, pulumi.Output<CollectionSetEntry>> = {};
    for (const c of loaded.collections) {
      const child = new Collection(
        `${name}-${c.key}`,
        {
          requests: c.spec.requests,
          ...(c.spec.name !== undefined ? { name: c.spec.name } : {}),
          ...(c.spec.callbackUrl !== undefined ? { callbackUrl: c.spec.callbackUrl } : {}),
        },
        { ...args.collectionOptions?.(c.key, c.file), parent: this },
      );
      this.resources[c.key] = child;
      entries[c.file] = pulumi.output({ id: child.id, name: child.name, requestCount: child.requestCount });
    }
    this.collections = pulumi.output(entries) as pulumi.Output<Record<string, CollectionSetEntry>>;
    this.registerOutputs({ collections: this.collections });
  }
}
