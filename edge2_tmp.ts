import { ast, Dynamo, python, skip, patch, askAgain } from "./mod.ts";
python.exec("def f(x):\n    return x + 1\n");
const tries: [string, (frame: any) => unknown][] = [
  ["async callback", async (frame) => undefined],
  ["returns number", () => 42],
  ["returns string", () => "no"],
  ["returns PyObject int", () => python.eval("5")],
  ["returns builtin code-less", () => python.eval("len")],
  ["returns function object", () => python.eval("f")],
  ["patch(number)", () => patch(1 as any)],
  ["askAgain(string)", () => askAgain("x" as any)],
  ["returns disposed code", (frame) => { const c = ast.compile(ast.parse(frame.source), frame); c.dispose(); return c; }],
  ["returns module code", (frame) => ast.compile(ast.parse(frame.source))],
];
for (const [name, cb] of tries) {
  python.exec("import sys; [sys.modules.pop(k) for k in []]");
  python.exec("def f(x):\n    return x + 1\n");
  try {
    using _ = new Dynamo((frame) => frame.name === "f" ? cb(frame) : undefined);
    console.log(name, "->", python.eval("f(1)"));
  } catch (e) {
    console.log(name, "THROWS", (e as Error).constructor.name, (e as Error).message.split("\n").slice(0, 2).join(" | "));
  }
}
