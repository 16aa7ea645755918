#!/usr/bin/env node
/**
 * @file Runs one `go` command and reports its progress on stderr (scripts/progress.js), for
 * scripts/ensure-pulumi.js, whose API is synchronous: it runs this script with `spawnSync`, and this
 * process, free to keep an event loop, ticks while go works.
 *
 * Input (stdin, JSON): { go, args, cwd, label, step?, steps?, unit?, unitOne?, total?, hint?, prefix?,
 *   count: "packages" | "downloads" }
 *   - "packages": counts the lines `go build -v` prints, one per package compiled (cached packages
 *     are not printed, so a warm cache ends below the total);
 *   - "downloads": counts go's "go: downloading <module>" lines.
 * Output (stdout, JSON): { status, signal, lines, output } where `lines` is the number of lines go
 * wrote to its stdout (e.g. `go list -deps`: packages) and `output` go's whole output, for errors.
 * go's environment is this process's.
 */
const { spawn } = require("node:child_process");
const { createProgress } = require("./progress.js");

function main(spec) {
  const progress = createProgress({
    label: spec.label,
    step: spec.step,
    steps: spec.steps,
    unit: spec.unit,
    unitOne: spec.unitOne,
    total: spec.total,
    hint: spec.hint,
    prefix: spec.prefix,
  });
  const child = spawn(spec.go, spec.args, { cwd: spec.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let stdoutLines = 0;
  const lineReader = (onLine) => {
    let rest = "";
    return (chunk) => {
      const text = rest + chunk.toString();
      output += chunk.toString();
      const lines = text.split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) onLine(line.trim());
    };
  };
  const onGoLine = (line) => {
    const downloading = line.startsWith("go: downloading ");
    if (spec.count === "downloads" && downloading) progress.advance();
    // `go build -v` prints bare import paths; anything with a space is a message.
    if (spec.count === "packages" && !downloading && !/\s/.test(line)) progress.advance();
  };
  child.stdout.on(
    "data",
    lineReader((line) => {
      stdoutLines++;
      onGoLine(line);
    }),
  );
  child.stderr.on("data", lineReader(onGoLine));
  const timer = setInterval(() => progress.tick(), 250);
  const finish = (status, signal) => {
    clearInterval(timer);
    if (status === 0) progress.done();
    else progress.fail();
    process.stdout.write(JSON.stringify({ status, signal, lines: stdoutLines, output }));
  };
  child.on("error", (err) => {
    output += `could not run ${spec.go}: ${err.message}\n`;
    finish(127, null);
  });
  child.on("close", finish);
  // Ended by a signal (Ctrl-C reaches the whole foreground group): let go end too, then report.
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
}

let input = "";
process.stdin.on("data", (d) => {
  input += d;
});
process.stdin.on("end", () => main(JSON.parse(input)));
