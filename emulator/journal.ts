import * as fs from "node:fs";
import * as path from "node:path";

/**
 * An append-only JSON-lines journal: one line per committed mutation.
 *
 * Each {@link Journal.append} goes through `fs.writeSync` before the caller answers the request, so a
 * mutation that was acknowledged is in the kernel even if the process is SIGKILLed right after. A kill in
 * the middle of a write leaves at most one torn last line, which {@link Journal.open} ignores. On open the
 * journal is compacted: the replayed state is written as a single snapshot line to a temporary file,
 * fsynced, and renamed over the journal, so the file never holds a half-written snapshot.
 */
export class Journal<E> {
  private fd: number | null;
  private readonly file: string;
  private readonly fsyncEachAppend: boolean;

  private constructor(file: string, fd: number, fsyncEachAppend: boolean) {
    this.file = file;
    this.fd = fd;
    this.fsyncEachAppend = fsyncEachAppend;
  }

  /**
   * Reads every complete entry of `file` (missing file = no entries), hands them to `replay`, then
   * rewrites the file as the single entry `snapshot()` returns and opens it for appending.
   * @param fsyncEachAppend also `fdatasync` after each append (survives power loss, not just a process
   *   kill; much slower). @default false
   * @throws when a line other than the last is not valid JSON (the file is damaged, not torn).
   */
  static open<E>(
    file: string,
    replay: (entries: readonly E[]) => void,
    snapshot: () => E,
    fsyncEachAppend = false,
  ): Journal<E> {
    replay(readEntries<E>(file));
    writeAtomically(file, serialize(snapshot()));
    return new Journal<E>(file, fs.openSync(file, "a"), fsyncEachAppend);
  }

  /** Appends one entry; returns once the bytes are written to the file. */
  append(entry: E): void {
    if (this.fd === null) throw new Error("journal is closed");
    writeFully(this.fd, Buffer.from(serialize(entry), "utf8"));
    if (this.fsyncEachAppend) fs.fdatasyncSync(this.fd);
  }

  /** Replaces the whole journal with a single snapshot entry (used by compaction and reset). */
  compact(snapshot: E): void {
    if (this.fd === null) throw new Error("journal is closed");
    fs.closeSync(this.fd);
    this.fd = null;
    writeAtomically(this.file, serialize(snapshot));
    this.fd = fs.openSync(this.file, "a");
  }

  /** Flushes to disk and closes the file. Idempotent. */
  close(): void {
    if (this.fd === null) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

function serialize(entry: unknown): string {
  return `${JSON.stringify(entry)}\n`;
}

function readEntries<E>(file: string): E[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const lines = text.split("\n");
  // Everything after the last newline was never completed: a torn write, or an empty string.
  lines.pop();
  const entries: E[] = [];
  for (const [i, line] of lines.entries()) {
    if (line === "") continue;
    try {
      entries.push(JSON.parse(line) as E);
    } catch (error) {
      throw new Error(`journal ${path.basename(file)} is damaged at line ${i + 1}: ${String(error)}`);
    }
  }
  return entries;
}

function writeFully(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
}

function writeAtomically(file: string, contents: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    writeFully(fd, Buffer.from(contents, "utf8"));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  // Make the rename itself durable; some platforms cannot open a directory, which is fine to skip.
  try {
    const dirFd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  } catch {
    /* best effort */
  }
}
