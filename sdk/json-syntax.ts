/**
 * Strict JSON (RFC 8259) for collection files, read with `jsonc-parser` with comments, trailing
 * commas and empty content all disallowed: the first syntax error at its offset with a whole
 * sentence that says what was found and what JSON expects, every duplicate key at its offset, and
 * the offsets of keys and values for the rules' messages. Offsets count UTF-16 code units, as
 * JavaScript strings (and the `yaml` library's positions) do.
 */
import { type Node, type ParseOptions, parseTree, printParseErrorCode, visit } from "jsonc-parser";

const STRICT: ParseOptions = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

/** One problem of a JSON text, at a UTF-16 offset. @internal */
export interface JsonProblem {
  /** Where the problem is: the offending character, key or token. */
  offset: number;
  /** A whole sentence, without the file or position. */
  message: string;
  /** `json_syntax` or `duplicate_key`. */
  code: "json_syntax" | "duplicate_key";
  /** For a duplicate key: the offset of its first occurrence. */
  firstOffset?: number;
}

/** What {@link parseStrictJson} read. @internal */
export interface StrictJson {
  /** The value, when there is no problem. */
  value?: unknown;
  /** The syntax tree (offsets of every key and value), when there is no syntax error. */
  root?: Node;
  /** The first syntax error (later ones are usually its echoes), or every duplicate key. */
  problems: JsonProblem[];
}

interface Container {
  kind: "object" | "array";
  offset: number;
}

/** JSON's whitespace: space, tab, line feed, carriage return (RFC 8259 §2); nothing else. */
const isJsonSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";

/**
 * Reads `text` as strict JSON. `where` renders an offset for messages that point at a second
 * place (the object a missing `}` leaves open, a duplicate key's first occurrence).
 * @internal
 */
export function parseStrictJson(text: string, where: (offset: number) => string): StrictJson {
  const stack: Container[] = [];
  // the parser ends a container before it reports the missing "}" or "]" of that container
  let lastClosed: Container | undefined;
  // the whole value has been read: anything but whitespace now is one value too many
  let done = false;
  let first: { code: string; offset: number; length: number; container: Container | undefined } | undefined;
  visit(
    text,
    {
      onObjectBegin: (offset) => {
        stack.push({ kind: "object", offset });
      },
      onObjectEnd: () => {
        lastClosed = stack.pop();
        done = stack.length === 0;
      },
      onArrayBegin: (offset) => {
        stack.push({ kind: "array", offset });
      },
      onArrayEnd: () => {
        lastClosed = stack.pop();
        done = stack.length === 0;
      },
      onLiteralValue: () => {
        done = stack.length === 0;
      },
      onError: (error, offset, length) => {
        const code = printParseErrorCode(error);
        const closing = code === "CloseBraceExpected" || code === "CloseBracketExpected";
        const afterValue = done && stack.length === 0 && !closing;
        first ??= {
          code: afterValue ? "EndOfFileExpected" : code,
          offset,
          length,
          container: closing ? lastClosed : stack.at(-1),
        };
      },
    },
    STRICT,
  );
  if (first) return { problems: [describe(text, first, where)] };
  const root = parseTree(text, [], STRICT);
  const problems = root ? duplicateKeys(root, where) : [];
  if (problems.length > 0) return { root, problems };
  // The reference parser builds the value: own `__proto__` keys stay keys, numbers round as V8 does.
  return { root, value: JSON.parse(text), problems: [] };
}

/** Every key that repeats a key of the same object, with the offset of the first one. */
function duplicateKeys(root: Node, where: (offset: number) => string): JsonProblem[] {
  const out: JsonProblem[] = [];
  const walk = (node: Node) => {
    if (node.type === "object") {
      const seen = new Map<string, number>();
      for (const prop of node.children ?? []) {
        const key = prop.children?.[0];
        if (!key) continue;
        const name = String(key.value);
        const firstOffset = seen.get(name);
        if (firstOffset === undefined) seen.set(name, key.offset);
        else
          out.push({
            offset: key.offset,
            message: `key ${JSON.stringify(name)} appears more than once in this object (first at ${where(firstOffset)})`,
            code: "duplicate_key",
            firstOffset,
          });
      }
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(root);
  return out;
}

/**
 * The offset of a property path's value in `root` (of its key, with `atKey`), or of the nearest
 * existing parent when the path does not exist.
 * @internal
 */
export function jsonOffsetOf(root: Node | undefined, segments: readonly (string | number)[], atKey = false) {
  let node = root;
  let offset = root?.offset ?? 0;
  for (const [i, seg] of segments.entries()) {
    if (node?.type === "object") {
      const prop = node.children?.find((p) => p.children?.[0]?.value === String(seg));
      const key = prop?.children?.[0];
      if (!key) break;
      offset = key.offset;
      if (atKey && i === segments.length - 1) break;
      node = prop?.children?.[1];
      if (node) offset = node.offset;
    } else if (node?.type === "array" && typeof seg === "number" && node.children?.[seg]) {
      node = node.children[seg];
      offset = node.offset;
    } else break;
  }
  return offset;
}

/**
 * What is at `offset`, for a message: the token in quotes; an invisible or unusual character by
 * its code point (`U+00A0`); or the end of the file.
 */
function found(text: string, offset: number, length: number): string {
  if (offset >= text.length) return "the end of the file";
  const token = text.slice(offset, offset + Math.max(1, length));
  const first = token.codePointAt(0) as number;
  if (/^[\s\p{C}]/u.test(token)) return `U+${first.toString(16).toUpperCase().padStart(4, "0")}`;
  // a long token: its start says enough, and the ellipsis says it goes on
  const shown = token.length > 32 ? `${token.slice(0, 32)}…` : token;
  const q = token.includes('"') ? "'" : '"';
  return `${q}${shown}${q}${token.length > 32 ? ` (${token.length} characters)` : ""}`;
}

/** The last non-whitespace character before `offset`, and its offset. */
function previousToken(text: string, offset: number): { char: string; offset: number } | undefined {
  let i = offset - 1;
  while (i >= 0 && isJsonSpace(text[i])) i--;
  return i >= 0 ? { char: text[i] as string, offset: i } : undefined;
}

/** The number token that ends right before `offset` (JSON's number characters), if any. */
function numberBefore(text: string, offset: number): { token: string; offset: number } | undefined {
  let i = offset;
  while (i > 0 && /[0-9eE.+-]/.test(text[i - 1] as string)) i--;
  return i < offset ? { token: text.slice(i, offset), offset: i } : undefined;
}

const ESCAPES = '\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX (four hex digits)';
const CONTROL_ESCAPES: Record<string, string> = { "\b": "\\b", "\f": "\\f", "\t": "\\t", "\r": "\\r" };

/** The first bad character of the string token starting at `start` (its opening quote). */
function badInString(text: string, start: number): JsonProblem {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') break;
    if (c.charCodeAt(0) < 0x20) {
      const hex = c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      const escaped = CONTROL_ESCAPES[c] ?? `\\u${hex}`;
      return {
        offset: i,
        message: `control character U+${hex} inside a string: JSON needs it escaped, as ${escaped}`,
        code: "json_syntax",
      };
    }
    if (c === "\\") {
      const next = text[i + 1];
      if (next === "u") {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          return {
            offset: i,
            message: `invalid escape ${text.slice(i, i + 6)} inside a string: \\u needs four hex digits`,
            code: "json_syntax",
          };
        }
        i += 5;
      } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
        i++;
      } else {
        return {
          offset: i,
          message: `invalid escape \\${next ?? ""} inside a string: JSON allows ${ESCAPES}`,
          code: "json_syntax",
        };
      }
    }
  }
  return { offset: start, message: "invalid string", code: "json_syntax" };
}

/** The closer a container needs, and its name, for messages. */
const closer = (c: Container | undefined) =>
  c?.kind === "array" ? { char: "]", what: "list" } : { char: "}", what: "object" };

/** One sentence for the parser's first error, at the position that helps most. */
function describe(
  text: string,
  e: { code: string; offset: number; length: number; container: Container | undefined },
  where: (offset: number) => string,
): JsonProblem {
  const at = e.offset;
  const here = found(text, at, e.length);
  const problem = (message: string, offset = at): JsonProblem => ({ offset, message, code: "json_syntax" });
  const c = text[at];
  switch (e.code) {
    case "ValueExpected":
    case "PropertyNameExpected": {
      const prev = previousToken(text, at);
      if (prev?.char === "," && (c === "]" || c === "}")) {
        return problem(
          `trailing comma before ${JSON.stringify(c)}: JSON allows no comma after the last ${c === "]" ? "element of a list" : "member of an object"}; remove it`,
          prev.offset,
        );
      }
      if (at >= text.length) {
        return problem(
          e.code === "ValueExpected"
            ? "the file ends where a value is expected"
            : "the file ends where a property name is expected",
        );
      }
      if (c === "'")
        return problem('JSON needs double quotes (") around strings and property names, not single quotes');
      if (e.code === "PropertyNameExpected") {
        return problem(`expected a property name in double quotes, found ${here}`);
      }
      return problem(`expected a value (a string, number, object, list, true, false or null), found ${here}`);
    }
    case "InvalidSymbol": {
      const token = text.slice(at, at + Math.max(1, e.length));
      if (c === "'")
        return problem('JSON needs double quotes (") around strings and property names, not single quotes');
      if (/^(NaN|Infinity)$/.test(token) || (token === "-" && text.startsWith("Infinity", at + 1))) {
        const name = token === "-" ? "-Infinity" : token;
        return problem(
          `${name} is not a JSON value: JSON numbers are finite (write null, or the number as a string)`,
        );
      }
      if (/^(true|false|null)$/i.test(token)) {
        return problem(`unexpected ${JSON.stringify(token)}: JSON writes true, false and null in lowercase`);
      }
      const num = numberBefore(text, at);
      if (num)
        return problem(`invalid number ${found(text, num.offset, at - num.offset + e.length)}`, num.offset);
      if (c === "+" || c === ".")
        return problem(`invalid number: a JSON number starts with a digit or "-", found ${here}`);
      return problem(
        `unexpected ${here}: JSON expects a string in double quotes, a number, an object, a list, true, false or null`,
      );
    }
    case "CommaExpected":
    case "CloseBraceExpected":
    case "CloseBracketExpected": {
      const num = numberBefore(text, at);
      if (num && /^-?0$/.test(num.token) && /[0-9]/.test(c ?? "")) {
        const whole = /^-?[0-9]+/.exec(text.slice(num.offset))?.[0] ?? num.token;
        return problem(`invalid number ${whole}: JSON numbers have no leading zeros`, num.offset);
      }
      const { char, what } = closer(e.container);
      if (at >= text.length) {
        return problem(
          `the file ends before the ${what} opened at ${where(e.container?.offset ?? 0)} is closed: a ${JSON.stringify(char)} is missing`,
        );
      }
      return problem(
        `expected "," or ${JSON.stringify(char)} after a ${what === "list" ? "list element" : "member"}, found ${here}`,
      );
    }
    case "ColonExpected":
      return problem(`expected ":" after the property name, found ${here}`);
    case "EndOfFileExpected":
      return problem(`unexpected ${here} after the end of the value: a JSON file holds exactly one value`);
    case "InvalidCommentToken":
    case "UnexpectedEndOfComment":
      return problem("comments are not allowed in JSON (use a YAML file to keep comments)");
    case "UnexpectedEndOfString":
      return problem(
        'this string has no closing " before the end of its line (a JSON string cannot span lines)',
      );
    case "UnexpectedEndOfNumber":
    case "InvalidNumberFormat":
      return problem(`invalid number ${found(text, at, e.length)}: digits must follow "-", "." and "e"`);
    case "InvalidEscapeCharacter":
    case "InvalidUnicode":
    case "InvalidCharacter":
      return badInString(text, at);
    default:
      return problem(`unexpected ${here} (${e.code})`);
  }
}
