// How a sweep child (test/_sweep_child.ts) hands its result to scripts/sweep.mjs: one JSON object
// after a marker on stdout. The test module's own output shares that stream and may leave a line
// unended (test_concurrent_futures prints its timings with `end=" "`), so the result is found by its
// marker, not by where a line starts.

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
