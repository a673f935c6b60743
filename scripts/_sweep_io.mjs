// How scripts/sweep.mjs runs a child (test/_sweep_child.ts) and reads its result: one JSON object
// after a marker on stdout. The test module's own output shares that stream and may leave a line
// unended (test_concurrent_futures prints its timings with `end=" "`), so the result is found by its
// marker, not by where a line starts.
import { spawn } from "node:child_process";
import process from "node:process";

const MARK = "[pyframe-sweep-result] ";

/**
 * The text a child prints for `result`, on a line of its own.
 * @param {object} result
 * @returns {string}
 */
export function resultText(result) {
  return `\n${MARK}${JSON.stringify(result)}\n`;
}

/**
 * The result a child printed last in `stdout`, or null if it printed none (or only part of one).
 * @param {string} stdout
 * @returns {any}
 */
export function findResult(stdout) {
  const at = stdout.lastIndexOf(MARK);
  if (at < 0) return null;
  const end = stdout.indexOf("\n", at);
  try {
    return JSON.parse(stdout.slice(at + MARK.length, end < 0 ? undefined : end));
  } catch {
    return null;
  }
}

/**
 * The problems (failing tests' names) one run of a module has and the other has not. A name that
 * holds a process's temporary file (test.support's TESTFN, "@test_<pid>_tmp...", as in
 * test_capi.test_run's subtests) names the same test in both runs, whatever the pid.
 * @param {{ problems: string[] }} plain
 * @param {{ problems: string[] }} rewritten
 * @returns {{ onlyRewritten: string[], onlyPlain: string[] }}
 */
export function differingProblems(plain, rewritten) {
  const samePid = (/** @type {string} */ name) => name.replace(/@test_\d+_tmp/g, "@test_<pid>_tmp");
  const plainNames = new Set(plain.problems.map(samePid));
  const rewrittenNames = new Set(rewritten.problems.map(samePid));
  return {
    onlyRewritten: rewritten.problems.filter((problem) => !plainNames.has(samePid(problem))),
    onlyPlain: plain.problems.filter((problem) => !rewrittenNames.has(samePid(problem))),
  };
}

/**
 * The last `limit` characters of a stream, kept as it arrives without holding the rest: a child
 * can print far more than one string can hold (test_capi under a bug of pyframe's printed 0.9 GB to
 * stderr; V8 strings stop at 512 MiB, and the sweep died of it).
 */
export class OutputTail {
  /** @param {number} limit */
  constructor(limit) {
    this.limit = limit;
    /** @type {string[]} */
    this.chunks = [];
    this.length = 0;
  }

  /** @param {string} text */
  push(text) {
    this.chunks.push(text);
    this.length += text.length;
    while (this.chunks.length > 1 && this.length - this.chunks[0].length >= this.limit) {
      this.length -= this.chunks.shift().length;
    }
  }

  /** @returns {string} */
  text() {
    return this.chunks.join("").slice(-this.limit);
  }
}

/**
 * Runs `command` to its end, in a process group of its own, and gives how it ended and the tails of
 * its output (stdout alone, for the result, which a chunk of stderr could otherwise split; and both
 * streams, for a report). The group is killed when the command exits or `timeoutMs` passes: a test
 * module's forked processes can outlive it (test_concurrent_futures.test_deadlock's did) and, as
 * they hold its pipes open, would keep the sweep waiting for ever.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs: number }} options
 * @returns {Promise<{ code: number | null, signal: string | null, timedOut: boolean, stdout: string, output: string }>}
 */
export function runToEnd(command, args, options) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const output = new OutputTail(3000);
  const stdout = new OutputTail(64 * 1024 * 1024);
  child.stdout.setEncoding("utf8"); // whole characters, whatever the chunks split
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    output.push(chunk);
    stdout.push(chunk);
  });
  child.stderr.on("data", (chunk) => output.push(chunk));
  const killGroup = () => {
    running.delete(child.pid);
    killProcessGroup(child.pid);
  };
  track(child.pid);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  let exit = { code: null, signal: null };
  child.on("exit", (code, signal) => {
    exit = { code, signal };
    clearTimeout(timer);
    killGroup();
  });
  return new Promise((resolve) => {
    child.on("close", () => resolve({ ...exit, timedOut, stdout: stdout.text(), output: output.text() }));
    // Not started at all (no such command): no exit, and maybe no close.
    child.on("error", (error) => {
      clearTimeout(timer);
      running.delete(child.pid);
      resolve({ code: null, signal: null, timedOut: false, stdout: "", output: `${command}: ${error.message}` });
    });
  });
}

/** The process groups runToEnd started that have not ended: a sweep stopped by Ctrl-C ends them
 * too (in groups of their own, they do not get the terminal's SIGINT). The listener is added with
 * the first group, not on import: the child imports this file too, and a SIGINT listener of its
 * runtime's would stand where Python's handler is expected (the regression runner restores it). */
const running = new Set();

/** @param {number} pid */
function track(pid) {
  if (running.size === 0 && process.listenerCount("SIGINT") === 0) {
    process.once("SIGINT", () => {
      for (const group of running) killProcessGroup(group);
      process.exit(130);
    });
  }
  running.add(pid);
}

/** @param {number} pid */
function killProcessGroup(pid) {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // The group is gone already.
  }
}
