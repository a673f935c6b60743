// sys.executable names the Python interpreter (not deno or bun), so multiprocessing can start
// worker interpreters from embedded code; a child forked from the host ends as a forked python does.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { python } from "../mod.ts";

test("a multiprocessing pool (spawn) runs work in child Python processes", () => {
  // Work is pickled by reference, so it must live in an importable module (children cannot
  // import functions defined in the embedded __main__): stdlib functions here.
  python.exec(`
import math, multiprocessing, os

def pool_results():
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        return [pool.map(math.factorial, [5, 6, 7]), pool.apply(os.getpid) != os.getpid()]
`);
  assert.equal(python.eval("pool_results()"), [[120, 720, 5040], true]);
});

test("a spawned multiprocessing.Process runs the Python interpreter and reports its exit code", () => {
  python.exec(`
def process_exit_code():
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=os._exit, args=(7,))
    process.start()
    process.join(30)
    return process.exitcode
`);
  assert.is(python.eval("process_exit_code()"), 7);
});

// A forked child runs only Python, but inherits the host's signal handlers, which cannot work
// there: Deno's returned from SIGSEGV and SIGBUS when sent (and from SIGTERM, SIGINT, SIGHUP and
// SIGUSR1, which it catches once running), so the child lived on; a ProcessPoolExecutor worker
// crashing under the "fork" start method went unnoticed (test_concurrent_futures.test_deadlock's
// fork tests failed under Deno, and its pools' workers were left waiting). Bun's crash reporter
// told of "a bug in Bun" first. A forked child now takes the default action, as a forked python does.
python.exec(`
import concurrent.futures, faulthandler, multiprocessing, os, resource, select, signal, warnings
from concurrent.futures.process import BrokenProcessPool

def host_catches(signum):
    caught = next(line for line in open("/proc/self/status") if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signum - 1) & 1)

def forked_child_fate(signal_name, how):
    """How a child forked from the host ends when it is sent, or raises, the signal: the number
    of the signal that ended it (or its exit status negated), and what it wrote to stderr."""
    signum = getattr(signal, signal_name)
    ready_read, ready_write = os.pipe()
    stderr_read, stderr_write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() in a multi-threaded process
        pid = os.fork()
    if pid == 0:
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file from the default action
            os.dup2(stderr_write, 2)
            os.write(ready_write, b"!")
            if how == "raised":
                signal.raise_signal(signum)
            else:
                select.select([], [], [], 5)  # a signal that did not end the child ends this wait
        finally:
            os._exit(7)
    os.close(ready_write)
    os.close(stderr_write)
    os.read(ready_read, 1)  # the child runs its own code: fork's handlers are done
    os.close(ready_read)
    if how == "sent":
        os.kill(pid, signum)
    _, status = os.waitpid(pid, 0)
    with open(stderr_read, "rb") as stderr:
        written = stderr.read().decode(errors="replace")
    return [os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status), written]

def forked_child_runs_handler(signal_name):
    """Whether a child forked from the host runs the program's own Python handler for the signal,
    installed in the parent before the fork, when it raises that signal."""
    signum = getattr(signal, signal_name)
    previous = signal.signal(signum, lambda *_: os._exit(0))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            try:
                signal.raise_signal(signum)
                for _ in range(1000):  # Python runs its handlers between bytecodes
                    pass
            finally:
                os._exit(7)
        _, status = os.waitpid(pid, 0)
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        signal.signal(signum, previous)

def crashing_fork_worker():
    context = multiprocessing.get_context("fork")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as executor:
            try:
                executor.submit(faulthandler._sigsegv).result(timeout=60)
            except BrokenProcessPool as error:
                return type(error).__name__
            return "the worker's crash went unnoticed"
`);

// Deno installs its SIGTERM, SIGINT, SIGHUP and SIGUSR1 handlers some 0.4 s after it starts; a
// child forked before would not inherit them. Waits (5 s at most) until the host catches SIGTERM,
// where it ever does.
test.before(async () => {
  if (!("Deno" in globalThis)) return;
  for (const started = Date.now(); Date.now() - started < 5000;) {
    if (python.eval("host_catches(signal.SIGTERM)")) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

const endingSignals = ["SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT", "SIGHUP", "SIGINT", "SIGUSR1", "SIGTERM"];
for (const signal of endingSignals) {
  test(`a child forked from the host is ended by ${signal}, sent or raised, as a forked python is`, () => {
    const ended = [python.eval(`signal.${signal}.value`), ""]; // silently: no host crash report
    assert.equal(python.eval(`forked_child_fate("${signal}", "sent")`), ended, "sent by another process");
    assert.equal(python.eval(`forked_child_fate("${signal}", "raised")`), ended, "raised by the child itself");
  });
}

// Only the host's handlers are reset: one the program installs with signal.signal lies in
// libpython, and the forked child keeps it, as a forked python does.
test("a child forked from the host keeps the program's own signal handlers", () => {
  assert.ok(python.eval(`forked_child_runs_handler("SIGUSR2")`), "SIGUSR2");
  assert.ok(python.eval(`forked_child_runs_handler("SIGALRM")`), "SIGALRM");
});

test("a ProcessPoolExecutor (fork) whose worker crashes with SIGSEGV is broken, as under python", () => {
  assert.is(python.eval("crashing_fork_worker()"), "BrokenProcessPool");
});

test.run();
