/**
 * The error of an operation whose resource exists but is not what was declared (the API saved the
 * collection but refused some URLs, a run's wait timed out): the engine records the resource with
 * these properties and shows the reasons, instead of forgetting a resource that exists.
 */

/** Thrown by create when the API created the collection but refused some URLs: the engine records the id. */
export class ResourceInitError extends Error {
  /** The id of the resource that exists despite the error. */
  readonly id: string;
  /** The resource's state (outputs) to record with the id. */
  readonly properties: Record<string, unknown>;
  /** Why the resource is incomplete, one message each, shown by the engine. */
  readonly reasons: string[];
  constructor(message: string, id: string, properties: Record<string, unknown>, reasons: string[]) {
    super(message);
    this.name = "ResourceInitError";
    this.id = id;
    this.properties = properties;
    this.reasons = reasons;
  }
}
