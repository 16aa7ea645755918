/**
 * @file Progress of a long step at a terminal: what is happening, how far along it is, how long it has
 * taken. On a terminal one line is rewritten in place (at most every `ttyIntervalMs`); in a log (CI,
 * a pipe) a new line is written every `logIntervalMs`, so the log shows the step is alive without
 * flooding it. The final line says how long the step took. Time and output are injected, for tests.
 *
 *   const p = createProgress({ step: 2, steps: 3, label: "compiling the Pulumi CLI", unit: "packages" });
 *   p.setTotal(1650); p.advance(); ...; p.done();
 */

/**
 * Formats a duration for a person: "0.4s", "12s", "3m05s", "1h02m".
 * @param {number} ms
 * @returns {string}
 */
function formatDuration(ms) {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1).replace(/\.0$/, "")}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * @typedef {object} ProgressOptions
 * @property {string} label        what is happening, e.g. "compiling the Pulumi CLI"
 * @property {number} [step]       this step's number, shown as [step/steps]
 * @property {number} [steps]
 * @property {string} [unit]       what `advance` counts, e.g. "packages"
 * @property {string} [unitOne]    the same for a count of 1, e.g. "package" @default unit
 * @property {number} [total]      how many there will be, when known
 * @property {string} [prefix]     e.g. "ensure-pulumi: "
 * @property {(text: string) => void} [write]  @default process.stderr.write
 * @property {() => number} [now]  @default Date.now
 * @property {boolean} [isTTY]     @default process.stderr.isTTY
 * @property {number} [ttyIntervalMs]  @default 1000
 * @property {number} [logIntervalMs]  @default 15000
 * @property {string} [hint]       shown after the label in the first line, e.g. "(about 4 minutes the first time)"
 */

/**
 * Starts reporting a step: writes its first line now. Call `advance`/`setTotal` as work is done,
 * `tick` from a timer (nothing is written unless an interval has passed), and `done` or `fail` once.
 * @param {ProgressOptions} options
 */
function createProgress(options) {
  const write = options.write || ((t) => process.stderr.write(t));
  const now = options.now || Date.now;
  const isTTY = options.isTTY ?? Boolean(process.stderr.isTTY);
  const interval = isTTY ? (options.ttyIntervalMs ?? 1000) : (options.logIntervalMs ?? 15_000);
  const prefix = options.prefix ?? "";
  const stepText = options.step && options.steps ? `[${options.step}/${options.steps}] ` : "";
  const started = now();
  let lastWrite = started;
  let count = 0;
  let total = options.total;
  let lineOpen = false;
  let finished = false;

  const unitOf = (/** @type {number} */ n) => (n === 1 && options.unitOne ? options.unitOne : options.unit);
  const counted = () => {
    if (!options.unit || count === 0) return "";
    if (total && total > 0) {
      const pct = Math.min(100, Math.floor((count / total) * 100));
      return `${count}/${total} ${options.unit} (${pct}%), `;
    }
    return `${count} ${unitOf(count)}, `;
  };
  const status = () => `${prefix}${stepText}${options.label}: ${counted()}${formatDuration(now() - started)}`;
  const emit = (text, final) => {
    if (isTTY) {
      write(`\r\x1b[2K${text}${final ? "\n" : ""}`);
      lineOpen = !final;
    } else {
      write(`${text}\n`);
    }
    lastWrite = now();
  };

  write(`${prefix}${stepText}${options.label}${options.hint ? ` ${options.hint}` : ""}...\n`);

  return {
    /** @param {number} [n] how many more were done */
    advance(n = 1) {
      count += n;
    },
    /** @param {number} n how many there are in all */
    setTotal(n) {
      total = n;
    },
    /** @returns {number} */
    get count() {
      return count;
    },
    /** Writes the status line when an interval has passed since the last one. */
    tick() {
      if (finished) return;
      if (now() - lastWrite >= interval) emit(status(), false);
    },
    /**
     * Ends the step: "<label>: done in 3m05s" (with what was counted).
     * @param {string} [summary] replaces "done"
     */
    done(summary) {
      if (finished) return;
      finished = true;
      const what = summary ?? (options.unit && count > 0 ? `${count} ${unitOf(count)}` : "done");
      emit(`${prefix}${stepText}${options.label}: ${what} in ${formatDuration(now() - started)}`, true);
    },
    /** Ends the step as failed, closing an open terminal line first. */
    fail() {
      if (finished) return;
      finished = true;
      if (lineOpen) write("\n");
      write(`${prefix}${stepText}${options.label}: failed after ${formatDuration(now() - started)}\n`);
    },
  };
}

module.exports = { createProgress, formatDuration };
