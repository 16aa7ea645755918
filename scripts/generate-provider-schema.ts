/**
 * Writes `schema/provider.json`, the Pulumi package schema of the native `scrapingpros` provider
 * (`npm run provider-schema`), from the docstrings of the TypeScript API: the same TSDoc comments,
 * read by the same TypeDoc that renders the API reference (`npm run docs`), so the two cannot disagree.
 * The file is committed: a docstring change shows its schema change in the same pull request, and a
 * unit test fails when the file is stale.
 *
 * Where each part comes from:
 * - resources: the class's docstring (the description) and its declared outputs (`declare readonly`),
 *   the `…Args` interface's members (the inputs; optional members are optional inputs);
 * - functions: the function's docstring, its argument interface (the inputs) and the interface its
 *   promise resolves to (the outputs);
 * - object types: the interfaces those name (`ScrapeRequestArgs` → `scrapingpros:index:ScrapeRequest`);
 *   string-literal unions become enums (`CollectionRunWait`); `Integer` is `integer`; `unknown` is
 *   `pulumi.json#/Any`; `null` and `undefined` in an output's type make it optional;
 * - config: `CONFIG_KEYS` (provider/core/config.ts) gives each setting's docstring, stack config key and
 *   environment variable; the defaults are the client's own constants (`DEFAULT_BASE_URL`,
 *   `DEFAULT_RETRY`), not text.
 *
 * Docstrings are Markdown: `{@link X}` becomes `` `X` ``; `@default` and `@unit` are appended as text;
 * `@example` is kept on properties and types (values) and dropped on resources and functions (it is a
 * TypeScript program there). `@remarks` holds what is true of the TypeScript (dynamic-provider) API
 * only, and `@throws` names TypeScript error classes: neither goes into the schema. Any other tag, a
 * missing docstring, or a type the mapping does not know fails the generation with every such place
 * named.
 *
 * Request objects: Pulumi object types cannot carry fields beyond their declared properties, and
 * Pulumi YAML (v1.25.0) rejects a program that gives one ("Existing properties are: …"). An interface
 * with an index signature (`[key: string]: unknown`: fields pass through to the API) is therefore
 * referenced as `oneOf` [the object type, an object of any fields]: generated SDKs get the typed class
 * and a map for anything else, YAML accepts any field, and the provider's `check` judges the requests
 * at preview in every language.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as td from "typedoc";
import ts from "typescript";
import { DEFAULT_BASE_URL } from "../provider/client/client";
import { DEFAULT_RETRY } from "../provider/client/retry-policy";
import type { SettingName } from "../provider/core/config";

const REPO = path.resolve(__dirname, "..");

/** The package name: the plugin is `pulumi-resource-scrapingpros`, tokens are `scrapingpros:…`. */
export const PACKAGE = "scrapingpros";

/**
 * The Go import path of the generated Go SDK (`npm run sdks`): package `scrapingpros` of the module
 * `github.com/scrapingpros/pulumi-scrapingpros/sdk/go` (`sdk/go/go.mod`, one folder above the package, as
 * Pulumi's Go generator lays out modules itself; the TypeScript sources in `sdk/` stay out of it).
 * Change it here, and regenerate, if the SDK is published from another repository.
 */
export const GO_IMPORT_BASE_PATH = "github.com/scrapingpros/pulumi-scrapingpros/sdk/go/scrapingpros";

/** The committed file, relative to the repository root. */
export const PROVIDER_SCHEMA_PATH = "schema/provider.json";

/** The files whose docstrings make the schema. */
const SOURCES = ["sdk/collection.ts", "sdk/collection-run.ts", "sdk/lookups.ts", "provider/core/config.ts"];

const ANY = "pulumi.json#/Any";

/** Resource token → the class (description, outputs) and its arguments interface (inputs). */
const RESOURCES: Record<string, { cls: string; args: string }> = {
  [`${PACKAGE}:index:Collection`]: { cls: "Collection", args: "CollectionArgs" },
  [`${PACKAGE}:index:CollectionRun`]: { cls: "CollectionRun", args: "CollectionRunArgs" },
};

/** Function token → the lookup function of sdk/lookups.ts. */
const FUNCTIONS: Record<string, string> = {
  [`${PACKAGE}:index:getCollection`]: "getCollection",
  [`${PACKAGE}:index:listCollections`]: "listCollections",
  [`${PACKAGE}:index:getRun`]: "getRun",
};

/** Interfaces that become named object types, and their type names. */
const OBJECT_TYPES: Record<string, string> = {
  ScrapeRequestArgs: "ScrapeRequest",
  BrowserActionArgs: "BrowserAction",
  BlockedUrlOutput: "BlockedUrl",
  CollectionInfo: "CollectionInfo",
};

/**
 * Output interfaces stored as the API took them: any fields, so an object of any values (the
 * request as sent, with fields the schema does not list).
 */
const OPEN_OUTPUT_OBJECTS = new Set(["ScrapeRequest"]);

/**
 * What the docstrings cannot say about a setting: its schema type (the form `resolveSettings`
 * accepts; a unit test holds the two together), whether it is secret, and its default (the client's
 * constant). Keyed by {@link SettingName}: a new setting does not compile until it is added here.
 */
const SETTINGS: Record<
  SettingName,
  { type: "string" | "integer" | "number"; secret?: true; default?: unknown }
> = {
  apiKey: { type: "string", secret: true },
  baseUrl: { type: "string", default: DEFAULT_BASE_URL },
  maxRetries: { type: "integer", default: DEFAULT_RETRY.maxRetries },
  timeoutMs: { type: "number", default: DEFAULT_RETRY.timeoutMs },
  deadlineMs: { type: "number", default: DEFAULT_RETRY.deadlineMs },
  maxThrottleWaitMs: { type: "number", default: DEFAULT_RETRY.maxThrottleWaitMs },
};

/** Block tags the generator knows; any other fails it (so that nothing is dropped unnoticed). */
const KNOWN_TAGS = new Set(["@default", "@example", "@remarks", "@throws", "@unit"]);

/** A Pulumi schema type reference or inline type (`TypeSpec`), the parts this generator writes. */
export interface TypeSpec {
  type?: "string" | "integer" | "number" | "boolean" | "array" | "object";
  $ref?: string;
  items?: TypeSpec;
  additionalProperties?: TypeSpec;
  oneOf?: TypeSpec[];
}

/** A property of a resource, object type, function or the config (`PropertySpec`). */
export interface PropertySpec extends TypeSpec {
  description: string;
  secret?: boolean;
  default?: unknown;
  defaultInfo?: { environment: string[] };
}

/** An object type, or a function's inputs or outputs (`ObjectTypeSpec`). */
export interface ObjectSpec {
  description?: string;
  type?: "object";
  properties: Record<string, PropertySpec>;
  required?: string[];
}

/** An enum type (`ComplexTypeSpec` with `enum`). */
export interface EnumSpec {
  description: string;
  type: "string";
  enum: { name: string; value: string }[];
}

/** A resource (`ResourceSpec`). */
export interface ResourceSpec {
  description: string;
  properties: Record<string, PropertySpec>;
  required?: string[];
  inputProperties: Record<string, PropertySpec>;
  requiredInputs?: string[];
}

/** The package schema this generator writes (`PackageSpec`, without `version`: the plugin adds it). */
export interface ProviderSchema {
  name: string;
  displayName: string;
  description: string;
  keywords: string[];
  license: string;
  config: { variables: Record<string, PropertySpec> };
  provider: { description: string; inputProperties: Record<string, PropertySpec> };
  resources: Record<string, ResourceSpec>;
  functions: Record<string, { description: string; inputs: ObjectSpec; outputs: ObjectSpec }>;
  types: Record<string, ObjectSpec | EnumSpec>;
  language: Record<string, Record<string, unknown>>;
}

/** Whether a type is given (inputs: optional members are optional) or returned (outputs: nullable ones are). */
type Side = "input" | "output";

/** Where a type being mapped sits, for messages and for the names of the types it makes. */
interface TypeSite {
  /** The property path, e.g. `CollectionArgs.requests[]`. */
  where: string;
  side: Side;
  /** The name an enum made here gets, e.g. `CollectionRunWait`. */
  enumName: string;
  /** The property's docstring (an enum's description). */
  comment: td.Comment | undefined;
}

/** Where a docstring sits: resources and functions drop their (TypeScript) `@example`. */
type DocContext = "property" | "type" | "resource" | "function";

/** The converted sources: TypeDoc's project, and each property's type as written. */
export interface ConvertedDocs {
  /** The reflections, with the comments as TypeDoc parsed them for the API reference. */
  project: td.ProjectReflection;
  /**
   * Each property's type converted from its type annotation. TypeDoc types class properties from the
   * checker, which resolves aliases away (`Output<Integer>` becomes `OutputInstance<number>`); the
   * annotation keeps `Integer`, and `Input`/`Output` as written.
   */
  declaredTypes: Map<td.Reflection, td.SomeType>;
}

/**
 * Converts the {@link SOURCES} with TypeDoc, with the repository's tsconfig.build.json and
 * tsdoc.json (which declares `@unit`), as `npm run docs` does. Type errors are `npm run typecheck`'s
 * business, so TypeScript's checking is skipped here.
 */
export async function convertDocs(): Promise<ConvertedDocs> {
  const app = await td.Application.bootstrap(
    {
      entryPoints: SOURCES.map((s) => path.join(REPO, s)),
      tsconfig: path.join(REPO, "tsconfig.build.json"),
      excludeInternal: true,
      excludePrivate: true,
      readme: "none",
      skipErrorChecking: true,
      logLevel: "Error",
    },
    [new td.TSConfigReader()],
  );
  const declaredTypes = new Map<td.Reflection, td.SomeType>();
  app.converter.on(td.Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(td.ReflectionKind.Property)) return;
    const decl = context.getSymbolFromReflection(reflection)?.declarations?.[0];
    const node =
      decl && (ts.isPropertyDeclaration(decl) || ts.isPropertySignature(decl)) ? decl.type : undefined;
    if (node)
      declaredTypes.set(reflection, context.converter.convertType(context.withScope(reflection), node));
  });
  const project = await app.convert();
  if (!project) throw new Error("generate-provider-schema: TypeDoc could not convert the sources");
  return { project, declaredTypes };
}

/**
 * Builds the schema from a converted project.
 * @throws Error naming every property, function, type or config key without a docstring, every
 *   unknown tag and every type the mapping does not know.
 */
export function buildProviderSchema(docs: ConvertedDocs): ProviderSchema {
  return new SchemaBuilder(docs).build();
}

/** The file `npm run provider-schema` writes. */
export function providerSchemaText(schema: ProviderSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

class SchemaBuilder {
  readonly #byName = new Map<string, td.DeclarationReflection[]>();
  readonly #problems: string[] = [];
  readonly #types: Record<string, ObjectSpec | EnumSpec> = {};
  readonly #declaredTypes: Map<td.Reflection, td.SomeType>;

  constructor({ project, declaredTypes }: ConvertedDocs) {
    this.#declaredTypes = declaredTypes;
    for (const r of project.getReflectionsByKind(td.ReflectionKind.All)) {
      // Top-level declarations only: those of a module (one per source file), or of the project.
      if (!(r instanceof td.DeclarationReflection)) continue;
      if (!(r.parent?.isProject() || r.parent?.kindOf(td.ReflectionKind.Module))) continue;
      const list = this.#byName.get(r.name) ?? [];
      list.push(r);
      this.#byName.set(r.name, list);
    }
  }

  build(): ProviderSchema {
    const settings = this.#settings();
    const resources: ProviderSchema["resources"] = {};
    for (const [token, { cls, args }] of Object.entries(RESOURCES))
      resources[token] = this.#resource(token, cls, args);
    const functions: ProviderSchema["functions"] = {};
    for (const [token, name] of Object.entries(FUNCTIONS)) functions[token] = this.#function(name);
    if (this.#problems.length > 0) {
      throw new Error(
        `generate-provider-schema: ${this.#problems.length} problem(s) in the docstrings:\n` +
          this.#problems.map((p) => `  - ${p}`).join("\n"),
      );
    }
    const types = Object.fromEntries(Object.entries(this.#types).sort(([a], [b]) => a.localeCompare(b)));
    return {
      name: PACKAGE,
      displayName: "ScrapingPros",
      description:
        "Manage ScrapingPros asynchronous scraping collections and their runs, and look up existing ones.",
      keywords: ["pulumi", "scrapingpros", "scraping", "category/utility", "kind/native"],
      license: readPackageJson().license,
      config: { variables: settings.variables },
      provider: { description: settings.description, inputProperties: settings.variables },
      resources,
      functions,
      types,
      language: {
        nodejs: {
          // No Node.js SDK is generated: it would need a newer @pulumi/pulumi than this package
          // pins. TypeScript that Pulumi's code generators write from this schema imports this npm
          // package, which we own and whose classes and lookups carry the same names; the default,
          // `@pulumi/scrapingpros`, is a name we do not own.
          packageName: "pulumi-scrapingpros",
        },
        // respectSchemaVersion: the SDKs carry the version `npm run sdks` binds the schema with
        // (package.json's), in pulumi-plugin.json, pyproject.toml and the Go SDK's resource options, so
        // programs ask the engine for exactly that plugin, as Pulumi providers' SDKs do. No `requires`:
        // codegen/python then requires the oldest `pulumi` its generated code runs with
        // (>=3.269.0,<4.0.0 at pkg v3.274.1), which a hand-written floor could fall below.
        python: {
          packageName: "pulumi_scrapingpros",
          pythonRequires: ">=3.10",
          respectSchemaVersion: true,
          pyproject: { enabled: true },
        },
        go: { importBasePath: GO_IMPORT_BASE_PATH, respectSchemaVersion: true },
      },
    };
  }

  /** The one exported declaration called `name`. */
  #find(name: string, kind: td.ReflectionKind): td.DeclarationReflection {
    const found = (this.#byName.get(name) ?? []).filter((r) => r.kindOf(kind));
    if (found.length !== 1) {
      throw new Error(
        `generate-provider-schema: expected one ${td.ReflectionKind[kind] ?? kind} called ${name} in ${SOURCES.join(", ")}, found ${found.length}`,
      );
    }
    return found[0] as td.DeclarationReflection;
  }

  #settings(): { description: string; variables: Record<string, PropertySpec> } {
    const keys = this.#find("CONFIG_KEYS", td.ReflectionKind.Variable);
    const description = this.#doc(keys.comment, "CONFIG_KEYS", "type");
    const members = keys.type instanceof td.ReflectionType ? (keys.type.declaration.children ?? []) : [];
    const variables: Record<string, PropertySpec> = {};
    const seen = new Set<string>();
    for (const m of [...members].sort((a, b) => a.id - b.id)) {
      const where = `CONFIG_KEYS.${m.name}`;
      const setting = SETTINGS[m.name as SettingName];
      const pair = tupleLiterals(m.type);
      if (!setting || !pair || pair.length !== 2) {
        this.#problems.push(
          `${where}: not a known setting with a [stack config key, environment variable] pair`,
        );
        continue;
      }
      seen.add(m.name);
      const [configKey, envVar] = pair as [string, string];
      if (configKey !== `${PACKAGE}:${m.name}`)
        this.#problems.push(`${where}: stack config key ${configKey} is not ${PACKAGE}:${m.name}`);
      const facts =
        `Stack config \`${configKey}\`, environment variable \`${envVar}\`.` +
        (setting.default !== undefined ? ` Default: \`${String(setting.default)}\`.` : "");
      variables[m.name] = {
        description: `${this.#doc(m.comment, where, "property")}\n\n${facts}`,
        type: setting.type,
        ...(setting.secret ? { secret: true } : {}),
        ...(setting.default !== undefined ? { default: setting.default } : {}),
        defaultInfo: { environment: [envVar] },
      };
    }
    for (const name of Object.keys(SETTINGS)) {
      if (!seen.has(name)) this.#problems.push(`CONFIG_KEYS.${name}: missing (the schema lists it)`);
    }
    return { description, variables };
  }

  #resource(token: string, clsName: string, argsName: string): ResourceSpec {
    const cls = this.#find(clsName, td.ReflectionKind.Class);
    const args = this.#find(argsName, td.ReflectionKind.Interface);
    const owner = token.slice(token.lastIndexOf(":") + 1);
    const inputs = this.#members(args, owner, "input");
    const outputs = this.#members(cls, owner, "output");
    return {
      description: this.#doc(cls.comment, clsName, "resource"),
      properties: outputs.properties,
      ...(outputs.required.length ? { required: outputs.required } : {}),
      inputProperties: inputs.properties,
      ...(inputs.required.length ? { requiredInputs: inputs.required } : {}),
    };
  }

  #function(name: string): { description: string; inputs: ObjectSpec; outputs: ObjectSpec } {
    const fn = this.#find(name, td.ReflectionKind.Function);
    const sig = fn.signatures?.[0];
    const param = sig?.parameters?.[0];
    const argsType = param?.type instanceof td.ReferenceType ? param.type.reflection : undefined;
    const ret = sig?.type;
    const resultType =
      ret instanceof td.ReferenceType &&
      ret.name === "Promise" &&
      ret.typeArguments?.[0] instanceof td.ReferenceType
        ? ret.typeArguments[0].reflection
        : undefined;
    if (
      !(argsType instanceof td.DeclarationReflection) ||
      !(resultType instanceof td.DeclarationReflection)
    ) {
      throw new Error(
        `generate-provider-schema: ${name} must take one argument interface and return a Promise of an interface`,
      );
    }
    return {
      description: this.#doc(sig?.comment, name, "function"),
      inputs: this.#objectSpec(argsType, name, "input"),
      outputs: this.#objectSpec(resultType, name, "output"),
    };
  }

  #objectSpec(iface: td.DeclarationReflection, owner: string, side: Side): ObjectSpec {
    const { properties, required } = this.#members(iface, owner, side);
    return {
      description: this.#doc(iface.comment, iface.name, "type"),
      properties,
      ...(required.length ? { required } : {}),
    };
  }

  /**
   * The properties of an interface (every member) or a class (its own `declare readonly` outputs;
   * the constructor and members inherited from Pulumi's `CustomResource` are not properties).
   * An input is required unless optional; an output, unless `null` or `undefined` is in its type.
   */
  #members(
    decl: td.DeclarationReflection,
    owner: string,
    side: Side,
  ): { properties: Record<string, PropertySpec>; required: string[] } {
    const properties: Record<string, PropertySpec> = {};
    const required: string[] = [];
    const members = (decl.children ?? [])
      .filter((c) => c.kindOf(td.ReflectionKind.Property) && !c.inheritedFrom && !c.name.startsWith("__"))
      .sort((a, b) => a.id - b.id);
    for (const m of members) {
      const where = `${decl.name}.${m.name}`;
      const mapped = this.#type(this.#declaredTypes.get(m) ?? m.type, {
        where,
        side,
        enumName: `${owner}${capitalize(m.name)}`,
        comment: m.comment,
      });
      if (!mapped) continue;
      properties[m.name] = { description: this.#doc(m.comment, where, "property"), ...mapped.spec };
      const isRequired = side === "input" ? !m.flags.isOptional : !m.flags.isOptional && !mapped.nullable;
      if (isRequired) required.push(m.name);
    }
    return { properties, required };
  }

  /** A TypeDoc type as a schema type; `nullable` when `null` or `undefined` is one of its members. */
  #type(type: td.SomeType | undefined, at: TypeSite): { spec: TypeSpec; nullable: boolean } | undefined {
    const { where } = at;
    if (
      type instanceof td.ReferenceType &&
      type.package === "@pulumi/pulumi" &&
      ["Input", "Output"].includes(type.qualifiedName)
    ) {
      return this.#type(type.typeArguments?.[0], at);
    }
    if (type instanceof td.IntrinsicType) {
      if (type.name === "string" || type.name === "boolean" || type.name === "number") {
        return { spec: { type: type.name }, nullable: false };
      }
      if (type.name === "unknown") return { spec: { $ref: ANY }, nullable: false };
    }
    if (type instanceof td.ArrayType) {
      const item = this.#type(type.elementType, { ...at, where: `${where}[]` });
      return item && { spec: { type: "array", items: item.spec }, nullable: false };
    }
    if (type instanceof td.UnionType) {
      const isNull = (t: td.SomeType) =>
        (t instanceof td.LiteralType && t.value === null) ||
        (t instanceof td.IntrinsicType && t.name === "undefined");
      // `Date` is the TypeScript form of an ISO 8601 string (`listCollections`' `since`).
      const isDate = (t: td.SomeType) =>
        t instanceof td.ReferenceType && t.qualifiedName === "Date" && t.package === "typescript";
      const rest = type.types.filter((t) => !isNull(t) && !isDate(t));
      const nullable = rest.length < type.types.filter((t) => !isDate(t)).length;
      if (rest.length > 0 && rest.every((t) => t instanceof td.LiteralType && typeof t.value === "string")) {
        const values = rest.map((t) => (t as td.LiteralType).value as string);
        const token = `${PACKAGE}:index:${at.enumName}`;
        this.#types[token] = {
          description: this.#doc(at.comment, where, "type"),
          type: "string",
          enum: values.map((value) => ({ name: pascal(value), value })),
        };
        return { spec: { $ref: `#/types/${token}` }, nullable };
      }
      if (rest.length === 1) {
        const one = this.#type(rest[0], at);
        return one && { spec: one.spec, nullable: nullable || one.nullable };
      }
    }
    if (type instanceof td.ReferenceType) {
      const target = type.reflection;
      if (type.qualifiedName === "Integer" && type.package === "pulumi-scrapingpros") {
        return { spec: { type: "integer" }, nullable: false };
      }
      if (type.qualifiedName === "Record" && type.package === "typescript") {
        const [key, value] = type.typeArguments ?? [];
        const v = value && this.#type(value, { ...at, where: `${where}{}` });
        if (key instanceof td.IntrinsicType && key.name === "string" && v) {
          return { spec: { type: "object", additionalProperties: v.spec }, nullable: false };
        }
      }
      if (target instanceof td.DeclarationReflection && OPEN_OUTPUT_OBJECTS.has(target.name)) {
        return { spec: { type: "object", additionalProperties: { $ref: ANY } }, nullable: false };
      }
      if (target instanceof td.DeclarationReflection && OBJECT_TYPES[target.name]) {
        const token = `${PACKAGE}:index:${OBJECT_TYPES[target.name]}`;
        const open = this.#objectType(target, token, at.side);
        const ref: TypeSpec = { $ref: `#/types/${token}` };
        return {
          spec: open ? { oneOf: [ref, { type: "object", additionalProperties: { $ref: ANY } }] } : ref,
          nullable: false,
        };
      }
    }
    this.#problems.push(`${where}: the type ${type?.toString() ?? "(none)"} has no schema mapping`);
    return undefined;
  }

  /** Adds a named object type once; true when it is open (an index signature: fields pass through). */
  #objectType(iface: td.DeclarationReflection, token: string, side: Side): boolean {
    const open = (iface.indexSignatures?.length ?? 0) > 0;
    if (this.#types[token]) return open;
    this.#types[token] = { type: "object", properties: {} };
    const spec = this.#objectSpec(iface, OBJECT_TYPES[iface.name] ?? iface.name, side);
    const note = open
      ? "\n\nIn this schema a property of this type takes either this object or an object of any fields " +
        "(`oneOf`): Pulumi object types cannot carry fields beyond their declared properties, and Pulumi " +
        "YAML rejects a program that gives one, so the second form carries the fields this schema does " +
        "not list. Either way the provider checks the request at preview."
      : "";
    this.#types[token] = {
      description: `${spec.description}${note}`,
      type: "object",
      ...withoutDescription(spec),
    };
    return open;
  }

  /** A docstring as Markdown, or a problem when there is none (or it has a tag the generator does not know). */
  #doc(comment: td.Comment | undefined, where: string, context: DocContext): string {
    const summary = comment ? markdown(comment.summary).trim() : "";
    if (!summary) {
      this.#problems.push(`${where}: no docstring`);
      return "";
    }
    const extra: string[] = [];
    for (const tag of comment?.blockTags ?? []) {
      if (!KNOWN_TAGS.has(tag.tag)) {
        this.#problems.push(
          `${where}: the tag ${tag.tag} has no place in the schema (known: ${[...KNOWN_TAGS].join(", ")})`,
        );
        continue;
      }
      const text = unfence(markdown(tag.content)).trim();
      if (tag.tag === "@default") extra.push(`Default: ${inlineCode(text)}.`);
      else if (tag.tag === "@unit") extra.push(`Unit: ${text}.`);
      else if (tag.tag === "@example" && (context === "property" || context === "type")) {
        extra.push(
          text.includes("\n") ? `Example:\n\n\`\`\`\n${text}\n\`\`\`` : `Example: ${inlineCode(text)}`,
        );
      }
    }
    for (const tag of comment?.modifierTags ?? []) {
      this.#problems.push(`${where}: the modifier ${tag} has no place in the schema`);
    }
    return [summary, ...extra].join("\n\n");
  }
}

/** TypeDoc's display parts as Markdown: code stays code, `{@link X}` becomes `` `X` ``. */
function markdown(parts: readonly td.CommentDisplayPart[]): string {
  return parts
    .map((p) => {
      if (p.kind === "inline-tag") return `\`${p.text.replace(/\(\)$/, "")}\``;
      return p.text;
    })
    .join("");
}

/** The inside of a fenced code block (TypeDoc fences `@default` and `@example` contents). */
function unfence(text: string): string {
  const t = text.trim();
  if (!t.startsWith("```") || !t.endsWith("```")) return t;
  return t.slice(t.indexOf("\n") + 1, -3).trim();
}

function inlineCode(text: string): string {
  return text.includes("`") ? text : `\`${text}\``;
}

/** The literal strings of a (readonly) tuple type such as `readonly ["scrapingpros:apiKey", "SCRAPINGPROS_API_KEY"]`. */
function tupleLiterals(type: td.SomeType | undefined): string[] | undefined {
  const t = type instanceof td.TypeOperatorType ? type.target : type;
  if (!(t instanceof td.TupleType)) return undefined;
  const out: string[] = [];
  for (const e of t.elements) {
    if (!(e instanceof td.LiteralType) || typeof e.value !== "string") return undefined;
    out.push(e.value);
  }
  return out;
}

function withoutDescription(spec: ObjectSpec): Omit<ObjectSpec, "description"> {
  const { description: _, ...rest } = spec;
  return rest;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `any-failed` → `AnyFailed`: enum value names as the SDK generators expect. */
function pascal(value: string): string {
  return value
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map(capitalize)
    .join("");
}

function readPackageJson(): { license: string } {
  return JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { license: string };
}

/** Converts, builds and writes the file; returns its path. */
export async function writeProviderSchema(): Promise<string> {
  const schema = buildProviderSchema(await convertDocs());
  const file = path.join(REPO, PROVIDER_SCHEMA_PATH);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, providerSchemaText(schema));
  return file;
}

if (require.main === module) {
  writeProviderSchema().then(
    (file) => process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
