/**
 * Collection files: one collection per YAML or JSON file in a directory, with optional per-stage
 * overlays, validated by the rules of `provider/core/rules/collection-rules.ts` and reported with the file,
 * line and column of each problem. Synchronous, and free of Pulumi and of the network, so that
 * `CollectionSet` and the `validate` CLI share it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  visit,
  type YAMLError,
} from "yaml";
import {
  type CollectionFile,
  collectionFileProblems,
  type RuleProblem,
} from "../provider/core/rules/collection-rules";
import { requestNearMisses } from "../provider/core/rules/near-miss";
import { jsonOffsetOf, parseStrictJson } from "./json-syntax";

/** The file extensions a collection file may have. */
export const COLLECTION_FILE_EXTENSIONS = [".yaml", ".yml", ".json"] as const;

/** One problem of one file, with its position. */
export interface FileProblem {
  /** The file's path, relative to the working directory, with `/` separators. */
  file: string;
  /** 1-based line of the offending value (or key, for an unknown field). */
  line: number;
  /**
   * 1-based column, in UTF-16 code units as JavaScript, VS Code and the TypeScript compiler count
   * them: a tab counts 1, a character outside the Basic Multilingual Plane (an emoji) counts 2.
   */
  column: number;
  /** Property path inside the file, e.g. `requests[2].url`; empty for the file as a whole. */
  path: string;
  /** Why, e.g. `must use http or https`. */
  message: string;
  /**
   * A stable code: one of the rules' codes (`invalid_protocol`, `malformed_url`, `private_ip`,
   * `blocked_hostname`, `required`, `invalid_type`, `empty`, `too_long`, `unknown_field`,
   * `duplicate_request`) or a file-level one (`yaml_syntax`, `json_syntax`, `duplicate_key`,
   * `tab_indentation`, `empty_file`, `multiple_documents`, `encoding`, `duplicate_name` (two files
   * would be one collection, or two collections with one name), `not_found`, `not_a_directory`),
   * `near_miss` for a warning, `no_overlays` for a notice.
   */
  code: string;
}

/** One collection as the files declare it, ready to become a `Collection`. */
export interface LoadedCollection {
  /** The file's path relative to its directory, without extension, `/`-separated: `eu/tours`. */
  key: string;
  /** The base file (or, for a stage-only collection, the overlay file), relative to the working directory. */
  file: string;
  /** The overlay file merged into the base file, when there is one. */
  overlayFile?: string;
  /** The validated declaration, after the overlay. */
  spec: CollectionFile;
}

/** What {@link loadCollectionFiles} found. */
export interface LoadResult {
  /** Every collection, sorted by key; complete only when `problems` is empty. */
  collections: LoadedCollection[];
  /** Every problem of every file, in file order, then position order. */
  problems: FileProblem[];
  /**
   * Request fields of valid files that look like typos of known ones (`customId`, `Browser`,
   * `callback_url` inside a request), code `near_miss`: they are sent to the API as written, so
   * they do not make a file invalid; `check` warns about the same fields at `pulumi preview`.
   */
  warnings: FileProblem[];
  /**
   * Facts worth a look that are usually right: `no_overlays` when `overlays` names a directory
   * that does not exist (the stage deploys the base files as they are; a misspelled directory
   * looks the same, so it is said, not failed).
   */
  notices: FileProblem[];
}

/** Where {@link loadCollectionFiles} looks. */
export interface LoadOptions {
  /** Directory of the base files (searched recursively; names starting with `.` are skipped). */
  directory: string;
  /**
   * Directory of one stage's overlay files. One that does not exist means "no overlays": the stage
   * deploys the base files as they are, and a `no_overlays` notice names the directory. A path
   * that exists but is not a directory is an error (`not_a_directory`).
   */
  overlays?: string;
  /** Base of relative paths, in arguments and in messages. @default process.cwd() */
  cwd?: string;
}

/** `file:line:column path: message (code)`, the form editors and CI logs link to. */
export function formatFileProblem(p: FileProblem): string {
  // the request-URL rules already name their code in the message, as `check` reports them
  const code = p.message.endsWith(`(${p.code})`) ? "" : ` (${p.code})`;
  return `${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ""}${p.message}${code}`;
}

/**
 * A position in a file: line and column, both counted from 1. Lines end at a line feed (`\r\n`
 * is one break); columns count UTF-16 code units (an emoji counts 2, a tab 1); a byte-order mark
 * is not counted. YAML and JSON files are counted alike.
 */
export interface FilePosition {
  /** The line, from 1. */
  line: number;
  /** The column, from 1, in UTF-16 code units. */
  column: number;
}

/** A collection file found in a directory. */
export interface CollectionFileEntry {
  /** The path relative to the directory, without extension, `/`-separated: `eu/tours`. */
  key: string;
  /** The file's absolute path. */
  abs: string;
}

/** One parsed file: its value and a way to locate property paths in it. */
export interface ParsedFile {
  /** The file's path as given. */
  file: string;
  /** The file's content, when it parsed without problems. */
  value?: unknown;
  /** Position of a property path's value (or of its key, with `atKey`); the nearest existing parent. */
  locate: (segments: readonly (string | number)[], atKey?: boolean) => FilePosition;
  /** Syntax and encoding problems (the rules are applied by {@link loadCollectionFiles}). */
  problems: FileProblem[];
}

const at1: FilePosition = { line: 1, column: 1 };

const YAML_CODES: Record<string, string> = {
  DUPLICATE_KEY: "duplicate_key",
  TAB_AS_INDENT: "tab_indentation",
};

/**
 * Reads one collection file's bytes. A UTF-8 byte-order mark is skipped (positions do not count
 * it); UTF-16 and bytes that are not UTF-8 are refused with the position of the first bad byte.
 * A `.json` file must be strict JSON (RFC 8259: no comments, no trailing commas, no single
 * quotes, NaN or Infinity, one value): its first syntax error is reported at its line and column,
 * in a whole sentence. In both formats every duplicate key is reported at its position, naming the
 * key and its first occurrence.
 */
export function parseCollectionFile(bytes: Uint8Array, file: string): ParsedFile {
  const fail = (message: string, code: string, pos = at1): ParsedFile => ({
    file,
    locate: () => at1,
    problems: [{ file, ...pos, path: "", message, code }],
  });
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return fail("is UTF-16 (byte-order mark): save it as UTF-8", "encoding");
  }
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const decoded = decodeUtf8(bytes.subarray(start));
  if (typeof decoded !== "string") {
    return fail(
      `is not UTF-8: byte 0x${decoded.byte.toString(16).padStart(2, "0")} cannot start or continue a character; save it as UTF-8`,
      "encoding",
      decoded.pos,
    );
  }
  const text = decoded;
  return file.endsWith(".json") ? parseJsonFile(text, file) : parseYamlFile(text, file);
}

/** 1-based line and column of UTF-16 offsets in `text`; lines end at `\n` (so `\r\n` is one break). */
function positions(text: string): (offset: number) => FilePosition {
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
  return (offset) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
}

/**
 * A `.json` file: strict JSON (no comments, no trailing commas, one value), by `jsonc-parser`;
 * the first syntax error, or every duplicate key, at its line and column.
 */
function parseJsonFile(text: string, file: string): ParsedFile {
  const posOf = positions(text);
  const where = (offset: number) => {
    const p = posOf(offset);
    return `line ${p.line}, column ${p.column}`;
  };
  if (/^[ \t\r\n]*$/.test(text)) {
    const message = 'is empty: a collection file needs at least "requests" (use {"requests": []} for none)';
    return { file, locate: () => at1, problems: [{ file, ...at1, path: "", message, code: "empty_file" }] };
  }
  const json = parseStrictJson(text, where);
  const problems: FileProblem[] = json.problems.map((p) => ({
    file,
    ...posOf(p.offset),
    path: "",
    message: p.code === "json_syntax" ? `is not valid JSON: ${p.message}` : p.message,
    code: p.code,
  }));
  if (problems.length > 0) return { file, locate: () => at1, problems };
  return {
    file,
    value: json.value,
    locate: (segments, atKey = false) => posOf(jsonOffsetOf(json.root, segments, atKey)),
    problems,
  };
}

/** A `.yaml` or `.yml` file: one YAML document, unique keys, aliases bounded. */
function parseYamlFile(text: string, file: string): ParsedFile {
  const problems: FileProblem[] = [];
  const fail = (message: string, code: string, pos = at1) => {
    problems.push({ file, ...pos, path: "", message, code });
    return { file, locate: () => at1, problems };
  };
  const lineCounter = new LineCounter();
  const posOf = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const docList = Array.isArray(docs) ? docs : [];
  const doc = docList[0];
  if (!doc || (doc.contents === null && doc.errors.length === 0)) {
    return fail(
      "is empty: a collection file needs at least `requests:` (use `requests: []` for none)",
      "empty_file",
    );
  }
  const errors: YAMLError[] = docList.flatMap((d) => d.errors);
  for (const e of errors) {
    const pos = e.linePos?.[0] ? { line: e.linePos[0].line, column: e.linePos[0].col } : posOf(e.pos[0]);
    let message = firstLine(e.message);
    if (e.code === "DUPLICATE_KEY") {
      const dup = duplicateKeyAt(docList, e.pos[0]);
      message = dup
        ? `key ${JSON.stringify(dup.key)} appears more than once in this mapping (first at line ${posOf(dup.firstOffset).line}, column ${posOf(dup.firstOffset).column})`
        : "a key appears more than once in this mapping";
    }
    problems.push({ file, ...pos, path: "", message, code: YAML_CODES[e.code] ?? "yaml_syntax" });
  }
  if (problems.length > 0) return { file, locate: () => at1, problems };
  if (docList.length > 1) {
    const second = docList[1]?.range[0] ?? 0;
    return fail(
      `holds ${docList.length} documents: one collection per file`,
      "multiple_documents",
      posOf(second),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // e.g. an alias bomb: too many aliases to resolve
    return fail(firstLine((e as Error).message), "yaml_syntax");
  }
  const locate = (segments: readonly (string | number)[], atKey = false) => {
    let node: unknown = doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const [i, seg] of segments.entries()) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
        );
        if (!pair) break;
        const key = pair.key as Node;
        offset = key.range?.[0] ?? offset;
        if (atKey && i === segments.length - 1) break;
        const v = pair.value as Node | null;
        // an empty value (`name:`) has no position of its own: point at its key
        if (v?.range && !(isScalar(v) && v.value === null && v.range[0] === v.range[1])) offset = v.range[0];
        node = v;
      } else if (isSeq(node) && typeof seg === "number" && node.items[seg]) {
        node = node.items[seg];
        offset = (node as Node).range?.[0] ?? offset;
      } else break;
    }
    return posOf(offset);
  };
  return { file, value, locate, problems };
}

/**
 * The key the parser reports as a duplicate at `offset` (the start of its key node), as the
 * document reads it (quotes and escapes resolved), and where the same key first appears.
 */
function duplicateKeyAt(
  docs: readonly { contents: unknown }[],
  offset: number,
): { key: string; firstOffset: number } | undefined {
  let out: { key: string; firstOffset: number } | undefined;
  const keyText = (k: unknown) => (isScalar(k) ? String(k.value) : String(k));
  for (const doc of docs) {
    visit(doc as Document, {
      Map: (_, map) => {
        if (out) return visit.BREAK;
        const dup = map.items.find((p) => (p.key as Node | null)?.range?.[0] === offset);
        if (!dup) return undefined;
        const key = keyText(dup.key);
        const first = map.items.find((p) => keyText(p.key) === key);
        out = { key, firstOffset: (first?.key as Node | null)?.range?.[0] ?? offset };
        return visit.BREAK;
      },
    });
  }
  return out;
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "").replace(/:$/, "");
}

/** The text, or where the first byte that is not UTF-8 is (line and column of the decoded prefix). */
function decodeUtf8(bytes: Uint8Array): string | { byte: number; pos: { line: number; column: number } } {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let prefix = "";
    // byte by byte: the bad character starts after the last one that decoded
    let charStart = 0;
    for (let i = 0; i < bytes.length; i++) {
      try {
        const out = decoder.decode(bytes.subarray(i, i + 1), { stream: true });
        prefix += out;
        if (out !== "") charStart = i + 1;
      } catch {
        const lines = prefix.split("\n");
        return {
          byte: bytes[charStart] ?? 0,
          pos: { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 },
        };
      }
    }
    // only a truncated character at the very end remains
    const lines = prefix.split("\n");
    return {
      byte: bytes[bytes.length - 1] ?? 0,
      pos: { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 },
    };
  }
}

/**
 * The collection files of a directory, recursively, sorted: `key` is the path relative to the
 * directory without extension, `/`-separated. Names starting with `.` are skipped.
 */
export function listCollectionFiles(directory: string): CollectionFileEntry[] {
  const out: CollectionFileEntry[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith(".")) continue;
      const abs = path.join(dir, entry.name);
      const relName = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(abs, relName);
      else if (COLLECTION_FILE_EXTENSIONS.some((e) => entry.name.endsWith(e))) {
        out.push({ key: relName.slice(0, relName.length - path.extname(relName).length), abs });
      }
    }
  };
  walk(directory, "");
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Applies an overlay to a base declaration by JSON Merge Patch (RFC 7396): a mapping merges into
 * the base's mapping key by key, recursively; any other value (a string, a list such as
 * `requests`) replaces the base's value as a whole; `null` removes the key.
 */
export function mergeOverlay(base: unknown, overlay: unknown): unknown {
  if (!isPlainObject(overlay)) return overlay;
  const out: Record<string, unknown> = {};
  // defined, not assigned: a `__proto__` key stays a key (and an unknown field), not a prototype
  const set = (k: string, v: unknown) =>
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (isPlainObject(base)) for (const [k, v] of Object.entries(base)) set(k, v);
  for (const [k, v] of Object.entries(overlay)) {
    if (v === null) delete out[k];
    else set(k, mergeOverlay(Object.hasOwn(out, k) ? out[k] : undefined, v));
  }
  return out;
}

/** Does `value` hold `segments[0]`, i.e. did the overlay set the top-level field a problem is in? */
function holds(value: unknown, segments: readonly (string | number)[]): boolean {
  const first = segments[0];
  return first !== undefined && isPlainObject(value) && Object.hasOwn(value, String(first));
}

/**
 * Loads and validates every collection file of `directory`, merged with the files of `overlays`
 * of the same key (`overlays/tours.yaml` changes `directory/tours.yaml`; a key with no base file is a
 * collection of that stage only). Every file is read and every problem collected: nothing is
 * returned half-checked. A base file must be valid on its own too, even where an overlay replaces
 * the invalid field: a stage without overlays deploys it as it is. Two files with the same key
 * (`a.yaml` and `a.json`) are an error, and so are two files whose `name`s are alike after this
 * stage's overlays ({@link collectionNameKey}): `duplicate_name`, at each file's `name`.
 */
export function loadCollectionFiles(options: LoadOptions): LoadResult {
  const cwd = options.cwd ?? process.cwd();
  const display = (abs: string) => path.relative(cwd, abs).split(path.sep).join("/") || ".";
  const problems: FileProblem[] = [];
  const warnings: FileProblem[] = [];
  const notices: FileProblem[] = [];
  const dir = path.resolve(cwd, options.directory);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    problems.push({
      file: display(dir),
      line: 1,
      column: 1,
      path: "",
      message: "is not a directory of collection files",
      code: "not_found",
    });
    return { collections: [], problems, warnings, notices };
  }
  const read = (root: string) => {
    const byKey = new Map<string, ParsedFile>();
    for (const { key, abs } of listCollectionFiles(root)) {
      const parsed = parseCollectionFile(fs.readFileSync(abs), display(abs));
      const other = byKey.get(key);
      if (other) {
        problems.push({
          file: parsed.file,
          line: 1,
          column: 1,
          path: "",
          message: `declares the same collection "${key}" as ${other.file}: keep one of them`,
          code: "duplicate_name",
        });
        continue;
      }
      problems.push(...parsed.problems);
      byKey.set(key, parsed);
    }
    return byKey;
  };
  const bases = read(dir);
  let overlays = new Map<string, ParsedFile>();
  if (options.overlays !== undefined) {
    const overlayDir = path.resolve(cwd, options.overlays);
    const at = { file: display(overlayDir), line: 1, column: 1, path: "" };
    if (!fs.existsSync(overlayDir)) {
      notices.push({
        ...at,
        message:
          "does not exist, so this stage has no overlays and deploys the base files as they are; if it should have some, check the directory's name",
        code: "no_overlays",
      });
    } else if (!fs.statSync(overlayDir).isDirectory()) {
      problems.push({ ...at, message: "is not a directory of overlay files", code: "not_a_directory" });
    } else overlays = read(overlayDir);
  }

  const collections: LoadedCollection[] = [];
  /** Each valid collection's declared name and the file that set it, for the duplicate check. */
  const named: { name: string; source: ParsedFile }[] = [];
  const keys = [...new Set([...bases.keys(), ...overlays.keys()])].sort();
  for (const key of keys) {
    const base = bases.get(key);
    const overlay = overlays.get(key);
    if (base?.problems.length || overlay?.problems.length) continue;
    if (base && overlay && !isPlainObject(overlay.value)) {
      problems.push({
        file: overlay.file,
        ...overlay.locate([]),
        path: "",
        message: "must be a mapping of the fields it changes",
        code: "invalid_type",
      });
      continue;
    }
    const value = base && overlay ? mergeOverlay(base.value, overlay.value) : (base ?? overlay)?.value;
    const found: FileProblem[] = [];
    const report = (source: ParsedFile, p: RuleProblem) =>
      found.push({
        file: source.file,
        ...source.locate(p.segments, p.code === "unknown_field"),
        path: p.path,
        message: p.message,
        code: p.code,
      });
    for (const p of collectionFileProblems(value)) {
      report(overlay && (!base || holds(overlay.value, p.segments)) ? overlay : (base as ParsedFile), p);
    }
    // The base file is a stage of its own (a stack without overlays deploys it): a field an
    // overlay replaces must still be valid in the base file.
    if (base && overlay) for (const p of collectionFileProblems(base.value)) report(base, p);
    const lines = new Set<string>();
    for (const p of found) {
      const line = formatFileProblem(p);
      if (!lines.has(line)) problems.push(p);
      lines.add(line);
    }
    if (found.length > 0) continue;
    const spec = value as CollectionFile;
    for (const miss of requestNearMisses(spec.requests)) {
      const segments = ["requests", miss.index, miss.field];
      const source = overlay && (!base || holds(overlay.value, segments)) ? overlay : (base as ParsedFile);
      warnings.push({
        file: source.file,
        ...source.locate(segments, true),
        path: miss.path,
        message: miss.message.slice(`${miss.path}: `.length),
        code: "near_miss",
      });
    }
    if (typeof spec.name === "string") {
      const source = overlay && (!base || holds(overlay.value, ["name"])) ? overlay : (base as ParsedFile);
      named.push({ name: spec.name, source });
    }
    const file = (base ?? overlay)?.file ?? key;
    collections.push({ key, file, ...(base && overlay ? { overlayFile: overlay.file } : {}), spec });
  }
  problems.push(...duplicateNames(named));
  problems.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column,
  );
  warnings.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column,
  );
  return { collections, problems, warnings, notices };
}

/**
 * How collection names are compared for duplicates (`duplicate_name`): Unicode canonical form (NFC), without
 * surrounding whitespace, case-folded. Such names look alike in a review and in a dashboard, and the
 * API's own comparison (exact, trimmed or case-insensitive) is unknown (API notes §2.1).
 */
export function collectionNameKey(name: string): string {
  return name.normalize("NFC").trim().toUpperCase().toLowerCase();
}

/**
 * One `duplicate_name` problem per file whose declared `name` equals another file's, compared by
 * {@link collectionNameKey}, at its `name` value, naming every other file of the group and its
 * position. The set would otherwise create two collections with one name (the API does not
 * refuse them), which lookups and adoption by name cannot tell apart.
 */
function duplicateNames(named: { name: string; source: ParsedFile }[]): FileProblem[] {
  const groups = new Map<string, { name: string; source: ParsedFile; at: FilePosition }[]>();
  for (const n of named) {
    const k = collectionNameKey(n.name);
    const group = groups.get(k) ?? [];
    group.push({ ...n, at: n.source.locate(["name"]) });
    groups.set(k, group);
  }
  const out: FileProblem[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    for (const self of group) {
      const others = group.filter((o) => o !== self);
      const where = others
        .map(
          (o) =>
            `${o.source.file}:${o.at.line}:${o.at.column}${o.name === self.name ? "" : ` (as ${JSON.stringify(o.name)})`}`,
        )
        .join(", ");
      const alike = others.every((o) => o.name === self.name)
        ? ""
        : " (names are compared without surrounding spaces and ignoring case)";
      out.push({
        file: self.source.file,
        ...self.at,
        path: "name",
        message: `${JSON.stringify(self.name)} is also the name declared in ${where}${alike}: two collections would share one name; give each file its own`,
        code: "duplicate_name",
      });
    }
  }
  return out;
}
