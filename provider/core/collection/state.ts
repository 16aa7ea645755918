/**
 * The shapes a Collection's inputs and outputs take inside the provider (after the engine resolved
 * them), and how older state is read. `schemaVersion` lets every later provider version read state
 * written by earlier ones.
 */
import type { BlockedUrl, ScrapeRequest } from "../../client/schemas";
import { secretInputsInput } from "../secrets";

/** The current state layout written to outputs. */
export const SCHEMA_VERSION = 1;

/** Inputs after `check`: what create/update send, plus the internal `__urn`. */
export interface CollectionInputs {
  /** The collection's name: the declared one, or after `check` the one derived from the URN. */
  name: string;
  /** The scrape requests, passed to the API unchanged (API reference §3). */
  requests: ScrapeRequest[];
  /** The webhook URL called when a run completes; a change replaces the collection (API reference §2.4). */
  callbackUrl?: string;
  /** Adopt an existing collection with exactly this `name` instead of creating one. @default false */
  adoptExisting?: boolean;
  /** Adopt the existing collection with this id instead of creating one. */
  adoptId?: string;
  /** Set by `check` when the user gave no name and it was derived from the URN. */
  autoNamed?: boolean;
  /** The resource's URN, computed by the SDK in the program (dynamic `create` is not given it). */
  __urn: string;
  /** The stack's scope (the id of its `StackScope`); absent in state written before it existed. */
  __scope?: string;
  /** The resource's `replaceOnChanges` option, which the dynamic-provider host does not pass on. */
  __replaceOnChanges?: string[];
  /** The resource's `customTimeouts` (create, update), in milliseconds. */
  __timeouts?: CallTimeouts;
  /** How many times the resource was replaced: part of its identity, absent (0) at first. */
  __generation?: number;
  /**
   * The names of the inputs the program marked secret (`name`, `requests`, `callbackUrl`…), passed
   * by the SDK, which alone can tell; absent when none is (see `secrets.ts`).
   */
  __secretInputs?: string[];
}

/** Deadlines of the provider's API calls taken from `customTimeouts`. */
export interface CallTimeouts {
  /** How long the whole create may take, all its API calls and retries included; the client's `deadlineMs` per call when absent. @unit milliseconds */
  createMs?: number;
  /** How long the whole update may take, its API call and retries included; the client's `deadlineMs` when absent. @unit milliseconds */
  updateMs?: number;
}

/** The internal inputs the SDK adds: never sent to the API, ignored by diff. */
export const INTERNAL_INPUTS = [
  "__urn",
  "__scope",
  "__replaceOnChanges",
  "__timeouts",
  "__secretInputs",
  "__provider",
] as const;

/** Outputs stored in the state. */
export interface CollectionOutputs extends CollectionInputs {
  /** Epoch seconds, from the API; `null` until the API reported it (refresh, adopt) or when unknown. */
  createdAt: number | null;
  /** Epoch seconds, from the API; `null` until the API reported it (refresh, adopt) or when unknown. */
  updatedAt: number | null;
  /** Requests the API kept: submitted, minus duplicates skipped, minus blocked URLs. */
  requestCount: number;
  /** Requests the API dropped as duplicates by `(url, custom_id)` on the last write (API reference §2.1.2). */
  duplicatesSkipped: number;
  /** The URLs the API refused on the last write (SSRF protection, API reference §2.1.3); `[]` when none. */
  blockedUrls: BlockedUrl[];
  /** Whether this collection existed before this stack created it (adopted by name or by id). */
  adopted: boolean;
  /** The state layout this state was written in; {@link SCHEMA_VERSION} for new state. */
  schemaVersion: number;
}

/** The property names that force a replacement when they change. */
export const REPLACE_PROPERTIES = ["callbackUrl"] as const;

/** Reads outputs written by any provider version into the current layout. */
export function readState(props: Record<string, unknown>): CollectionOutputs {
  const requests = Array.isArray(props.requests) ? (props.requests as ScrapeRequest[]) : [];
  return {
    name: String(props.name ?? ""),
    requests,
    ...(typeof props.callbackUrl === "string" ? { callbackUrl: props.callbackUrl } : {}),
    ...(props.adoptExisting === true ? { adoptExisting: true } : {}),
    ...(typeof props.adoptId === "string" ? { adoptId: props.adoptId } : {}),
    ...(props.autoNamed === true ? { autoNamed: true } : {}),
    __urn: String(props.__urn ?? ""),
    ...internalsOf(props),
    createdAt: typeof props.createdAt === "number" ? props.createdAt : null,
    updatedAt: typeof props.updatedAt === "number" ? props.updatedAt : null,
    requestCount: typeof props.requestCount === "number" ? props.requestCount : requests.length,
    duplicatesSkipped: typeof props.duplicatesSkipped === "number" ? props.duplicatesSkipped : 0,
    blockedUrls: Array.isArray(props.blockedUrls) ? (props.blockedUrls as BlockedUrl[]) : [],
    adopted: props.adopted === true,
    schemaVersion: SCHEMA_VERSION,
  };
}

/** Picks the input properties out of outputs (what `read` hands back as `inputs`). */
export function inputsOf(state: CollectionOutputs): CollectionInputs {
  return {
    name: state.name,
    requests: state.requests,
    ...(state.callbackUrl !== undefined ? { callbackUrl: state.callbackUrl } : {}),
    ...(state.adoptExisting ? { adoptExisting: true } : {}),
    ...(state.adoptId !== undefined ? { adoptId: state.adoptId } : {}),
    ...(state.autoNamed ? { autoNamed: true } : {}),
    __urn: state.__urn,
    ...internalsOf(state as unknown as Record<string, unknown>),
  };
}

/**
 * The internal inputs (`__scope`, `__generation`, `__replaceOnChanges`, `__timeouts`,
 * `__secretInputs`) of engine properties, those of a wrong type left out.
 */
export function internalsOf(
  props: Record<string, unknown>,
): Pick<
  CollectionInputs,
  "__scope" | "__replaceOnChanges" | "__timeouts" | "__generation" | "__secretInputs"
> {
  const out: Pick<
    CollectionInputs,
    "__scope" | "__replaceOnChanges" | "__timeouts" | "__generation" | "__secretInputs"
  > = {};
  const secretInputs = secretInputsInput(props);
  if (secretInputs) out.__secretInputs = secretInputs;
  if (typeof props.__scope === "string" && props.__scope !== "") out.__scope = props.__scope;
  if (typeof props.__generation === "number" && props.__generation > 0) out.__generation = props.__generation;
  if (Array.isArray(props.__replaceOnChanges)) {
    out.__replaceOnChanges = props.__replaceOnChanges.filter((p): p is string => typeof p === "string");
  }
  const t = props.__timeouts;
  if (typeof t === "object" && t !== null) {
    const { createMs, updateMs } = t as Record<string, unknown>;
    out.__timeouts = {
      ...(typeof createMs === "number" ? { createMs } : {}),
      ...(typeof updateMs === "number" ? { updateMs } : {}),
    };
  }
  return out;
}
