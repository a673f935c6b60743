// Generates src/ast/_nodes.ts: one TypeScript class per Python AST node class, read from the `ast`
// module of every supported CPython (src/ffi/supported_pythons.json) and merged, with a record of
// which versions have each class and field.
//
//   node_modules/.bin/deno run -A scripts/generate_ast.ts [python3.11 python3.12 ...]
//
// Without arguments it uses one interpreter per supported minor, found like scripts/test.mjs does.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pythonsByMinor, supportedMinors } from "./pythons.mjs";
import { NULLABLE_ITEMS } from "../src/ast/node.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUTPUT = join(ROOT, "src", "ast", "_nodes.ts");

// Runs inside each interpreter. Node classes are the AST subclasses the C module `_ast` defines,
// in creation order (ASDL order); `ast.py`'s deprecated aliases (Num, Index, ...) are left out.
// Field types come from the ASDL signature in each class's __doc__ ("BinOp(expr left, ...)").
const PROBE = String.raw`
import _ast, ast, json, re, sys

def node_classes():
    seen, order = set(), []
    def visit(cls):
        for sub in cls.__subclasses__():
            if getattr(_ast, sub.__name__, None) is sub and sub not in seen:
                seen.add(sub)
                order.append(sub)
                visit(sub)
    visit(ast.AST)
    return order

def is_category(cls):
    doc = (cls.__doc__ or "").strip()
    return cls.__bases__ == (ast.AST,) and " = " in doc.split("\n")[0]

def fields_of(cls):
    match = re.fullmatch(r"(\w+)(?:\((.*)\))?", (cls.__doc__ or "").strip())
    if not match or match.group(1) != cls.__name__:
        raise SystemExit("cannot read the signature of ast.%s from %r" % (cls.__name__, cls.__doc__))
    fields = []
    for part in filter(None, (p.strip() for p in (match.group(2) or "").split(","))):
        type_, name = part.split()
        quantity = {"?": "optional", "*": "list"}.get(type_[-1], "one")
        fields.append({"name": name, "type": type_.rstrip("?*"), "quantity": quantity})
    if [f["name"] for f in fields] != list(cls._fields):
        raise SystemExit("ast.%s: signature fields %r differ from _fields %r" % (cls.__name__, fields, cls._fields))
    return fields

print(json.dumps({"version": "%d.%d" % sys.version_info[:2], "nodes": [
    {"name": c.__name__, "base": c.__bases__[0].__name__, "abstract": is_category(c),
     "fields": [] if is_category(c) else fields_of(c), "attributes": list(c._attributes)}
    for c in node_classes()]}))
`;

type Quantity = "one" | "optional" | "list";
interface ProbedField {
  name: string;
  type: string;
  quantity: Quantity;
}
interface ProbedNode {
  name: string;
  base: string;
  abstract: boolean;
  fields: ProbedField[];
  attributes: string[];
}
interface Probe {
  version: string;
  nodes: ProbedNode[];
}
interface MergedField extends ProbedField {
  versions: string[];
  /** For a field optional in newer versions only: the versions where it is required. */
  requiredIn?: string[];
}
interface MergedNode {
  name: string;
  base: string;
  abstract: boolean;
  versions: string[];
  fields: MergedField[];
  attributes: string[];
}

// `arguments` cannot name a class in strict-mode JavaScript; it is exported under its Python name.
const LOCAL_NAMES: Record<string, string> = { arguments: "arguments_" };
const localName = (name: string) => LOCAL_NAMES[name] ?? name;

const PRIMITIVES: Record<string, string> = {
  identifier: "string",
  string: "string",
  int: "number",
  constant: "ConstantValue",
};

/** Each location attribute's TypeScript type and what it means. */
const LOCATION_ATTRIBUTES: Record<string, { type: string; doc: string }> = {
  lineno: { type: "number", doc: "The first line, counted from 1." },
  col_offset: { type: "number", doc: "Where the node starts on its first line, in UTF-8 bytes from 0." },
  end_lineno: { type: "number | null", doc: "The last line, or null where unknown." },
  end_col_offset: { type: "number | null", doc: "Where the node ends on its last line (UTF-8 bytes), or null." },
};

function probe(python: string): Probe {
  const result = spawnSync(python, ["-c", PROBE], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.error || result.status !== 0) {
    throw new Error(`probing ${python} failed: ${result.error?.message ?? result.stderr}`);
  }
  return JSON.parse(result.stdout) as Probe;
}

function interpreters(): string[] {
  const given = process.argv.slice(2);
  if (given.length) return given;
  const found = pythonsByMinor();
  const missing = supportedMinors().filter((minor: string) => !found.has(minor));
  if (missing.length) {
    throw new Error(
      `no usable Python ${missing.join(", ")} on this machine; install it or pass interpreters as arguments`,
    );
  }
  return [...found.values()].map((python: { executable: string }) => python.executable);
}

/** Names in first-seen order over the newest version's order, older-only names kept in place. */
function mergedOrder(probes: Probe[]): string[] {
  const order: string[] = [];
  for (const probe of [...probes].reverse()) {
    probe.nodes.forEach((node, i) => {
      if (order.includes(node.name)) return;
      const previous = probe.nodes[i - 1]?.name;
      order.splice(previous === undefined ? 0 : order.indexOf(previous) + 1, 0, node.name);
    });
  }
  return order;
}

/** Whether `older`, a field of an older version, is `known` before it became optional. */
function becameOptional(known: MergedField, older: ProbedField): boolean {
  const stillRequired = known.requiredIn === undefined || known.requiredIn.includes(known.versions[0]);
  return known.type === older.type && known.quantity === "optional" && older.quantity === "one" && stillRequired;
}

function mergeNode(name: string, probes: Probe[]): MergedNode {
  const present = probes.flatMap((probe) =>
    probe.nodes.filter((node) => node.name === name).map((node) => ({ probe, node }))
  );
  const newest = present[present.length - 1].node;
  for (const { probe, node } of present) {
    const same = node.base === newest.base && node.abstract === newest.abstract &&
      node.attributes.join() === newest.attributes.join();
    if (!same) {
      throw new Error(`ast.${name} changed shape in Python ${probe.version}; teach generate_ast.ts to merge it`);
    }
  }
  const fields: MergedField[] = [];
  for (const { probe, node } of [...present].reverse()) {
    for (const field of node.fields) {
      const known = fields.find((f) => f.name === field.name);
      if (!known) fields.push({ ...field, versions: [probe.version] });
      else if (becameOptional(known, field)) {
        // Required in older versions, optional from a newer one on (3.15: DictComp.value, None
        // for `{**d for d in ds}`): optional, and required where it was.
        known.requiredIn = [probe.version, ...known.requiredIn ?? []];
        known.versions.unshift(probe.version);
      } else if (known.type !== field.type || known.quantity !== field.quantity) {
        throw new Error(
          `ast.${name}.${field.name} changed type in Python ${probe.version}; teach generate_ast.ts to merge it`,
        );
      } else known.versions.unshift(probe.version);
    }
  }
  return { ...newest, versions: present.map(({ probe }) => probe.version), fields };
}

function fieldTsType(node: string, field: ProbedField): string {
  const item = PRIMITIVES[field.type] ?? localName(field.type);
  if (field.quantity === "list") {
    return NULLABLE_ITEMS.has(`${node}.${field.name}`) ? `(${item} | null)[]` : `${item}[]`;
  }
  if (field.quantity === "optional") return `${item} | null`;
  return item;
}

function versionsConstant(versions: string[], all: string[]): string {
  const newest = all[all.length - 1];
  const contiguous = versions.every((v, i) => all.indexOf(v) === all.indexOf(versions[0]) + i);
  if (contiguous && versions[versions.length - 1] === newest) return `SINCE_${versions[0].replace(".", "_")}`;
  return `ONLY_${versions.map((v) => v.replace(".", "_")).join("_")}`;
}

/** A TypeScript expression building a minimal valid value of an ASDL type, for JSDoc examples. */
function exampleValue(type: string, nodes: Map<string, MergedNode>, depth = 0): string {
  const simple: Record<string, string> = {
    identifier: '"x"',
    string: '"x"',
    int: "0",
    constant: "1",
    expr: 'new ast.Name({ id: "x", ctx: new ast.Load() })',
    stmt: "new ast.Pass()",
    expr_context: "new ast.Load()",
    boolop: "new ast.And()",
    operator: "new ast.Add()",
    unaryop: "new ast.Not()",
    cmpop: "new ast.Eq()",
    pattern: "new ast.MatchAs({})",
    excepthandler: "new ast.ExceptHandler({})",
    type_param: 'new ast.TypeVar({ name: "T" })',
    type_ignore: 'new ast.TypeIgnore({ lineno: 1, tag: "" })',
    mod: "new ast.Module({})",
  };
  if (simple[type]) return simple[type];
  const node = nodes.get(type);
  if (!node || depth > 3) throw new Error(`no example value for ASDL type ${type}`);
  return constructorExample(node, nodes, depth + 1);
}

/** Examples a field's type alone would make wrong: an Interpolation's `str` is its source text. */
const EXAMPLES: Record<string, string> = {
  Interpolation:
    'new ast.Interpolation({ value: new ast.Name({ id: "x", ctx: new ast.Load() }), str: "x", conversion: -1 })',
};

function constructorExample(node: MergedNode, nodes: Map<string, MergedNode>, depth = 0): string {
  if (EXAMPLES[node.name]) return EXAMPLES[node.name];
  const required = node.fields.filter((f) => f.quantity === "one" || f.requiredIn);
  const noArguments = node.fields.length === 0 && node.attributes.length === 0;
  if (noArguments) return `new ast.${node.name}()`;
  const parts = required.map((f) => `${f.name}: ${exampleValue(f.type, nodes, depth)}`);
  return `new ast.${node.name}({${parts.length ? ` ${parts.join(", ")} ` : ""}})`;
}

/** ASDL's marks for a field's quantity. */
const QUANTITY_MARKS: Record<Quantity, string> = { one: "", optional: "?", list: "*" };

function signature(node: MergedNode): string {
  const fields = node.fields.map((f) => `${f.type}${QUANTITY_MARKS[f.quantity]} ${f.name}`).join(", ");
  return node.fields.length ? `${node.name}(${fields})` : node.name;
}

function versionNote(versions: string[], all: string[]): string {
  if (versions.length === all.length) return "";
  const newest = all[all.length - 1];
  if (versions[versions.length - 1] === newest) return ` Python ${versions[0]}+ only.`;
  return ` Python ${versions.join(", ")} only.`;
}

function classDoc(node: MergedNode, nodes: Map<string, MergedNode>, all: string[]): string[] {
  const what = node.abstract
    ? `The abstract category \`ast.${node.name}\`: every ${node.name} node class extends it.`
    : `Python's \`ast.${node.name}\`: \`${signature(node)}\`.`;
  const member = [...nodes.values()].find((n) => n.base === node.name && !n.abstract);
  const example = node.abstract && member
    ? [`const node = ${constructorExample(member, nodes)};`, `node instanceof ast.${node.name}; // true`]
    : [`const node = ${constructorExample(node, nodes)};`];
  if (node.name === "Constant") example.push("new ast.Constant({ value: 2, isFloat: true }); // the float 2.0");
  return [
    "/**",
    ` * ${what}${versionNote(node.versions, all)}`,
    ...(node.name === "Constant" ? constantDoc() : []),
    " *",
    " * @example",
    " * ```ts",
    ' * import { ast } from "@pyframe/dynamo";',
    ...example.map((line) => ` * ${line}`),
    " * ```",
    " */",
  ];
}

function constantDoc(): string[] {
  return [
    " *",
    " * `value` holds a {@link ConstantValue}: a Python int or float is a `number` (an int beyond 2^53",
    " * is a `bigint`), and `isFloat` says which one Python had, so a number goes back to Python as a",
    " * float when it is not an integer or `isFloat` is set, else as an int.",
  ];
}

function classCode(node: MergedNode, nodes: Map<string, MergedNode>, all: string[]): string[] {
  const parent = nodes.get(node.base);
  const inherited = new Set(parent?.attributes ?? []);
  const ownAttributes = node.attributes.filter((a) => !inherited.has(a));
  const fieldTypes = node.fields.map((f) =>
    `    ${f.name}: { type: "${f.type}", quantity: "${f.quantity}", versions: ${versionsConstant(f.versions, all)}${
      f.requiredIn ? `, requiredIn: ${versionsConstant(f.requiredIn, all)}` : ""
    } },`
  );
  return [
    ...classDoc(node, nodes, all),
    `export ${node.abstract ? "abstract " : ""}class ${localName(node.name)} extends ${
      parent ? localName(parent.name) : "Node"
    } {`,
    `  /** The Python class name, \`"${node.name}"\`. */`,
    `  static override readonly typeName: string = "${node.name}";`,
    `  /** The Python minor versions whose \`ast\` has ${node.name}. */`,
    `  static override readonly versions: readonly string[] = ${versionsConstant(node.versions, all)};`,
    "  /** Python's `_fields`: the child field names, in Python's order. */",
    `  static override readonly _fields: readonly string[] = [${node.fields.map((f) => `"${f.name}"`).join(", ")}];`,
    "  /** Python's `_attributes`: the location attribute names. */",
    `  static override readonly _attributes: readonly string[] = [${node.attributes.map((a) => `"${a}"`).join(", ")}];`,
    "  /** The declared type of each field. */",
    fieldTypes.length
      ? `  static override readonly fieldTypes: Readonly<Record<string, FieldType>> = {\n${fieldTypes.join("\n")}\n  };`
      : `  static override readonly fieldTypes: Readonly<Record<string, FieldType>> = {};`,
    ...node.fields.map((f) => `${fieldDoc(f, all)}  declare ${f.name}: ${fieldTsType(node.name, f)};`),
    ...ownAttributes.map((a) => {
      const { type, doc } = LOCATION_ATTRIBUTES[a] ?? unknownAttribute(node, a);
      return `  /** ${doc} */\n  declare ${a}?: ${type};`;
    }),
    ...(node.name === "Constant" ? constantMembers() : []),
    ...(node.abstract || node.name === "Constant" ? [] : constructorCode(node)),
    "}",
  ];
}

function unknownAttribute(node: MergedNode, attribute: string): never {
  throw new Error(`ast.${node.name} has the unknown location attribute ${attribute}; add it to LOCATION_ATTRIBUTES`);
}

/** The field's ASDL declaration (`expr left`, `stmt* body`, `expr? returns`), and the versions
 * having it when not all do. */
function fieldDoc(field: MergedField, all: string[]): string {
  const required = field.requiredIn ? ` Required (not null) in Python ${field.requiredIn.join(", ")}.` : "";
  return `  /** \`${field.type}${QUANTITY_MARKS[field.quantity]} ${field.name}\`.${
    versionNote(field.versions, all)
  }${required} */\n`;
}

const LINE_WIDTH = 120;

/** The constructor's parameter list, one member per line when it would not fit on one. */
function constructorParameter(node: MergedNode): string {
  const members = node.fields.map((f) => {
    const optional = f.quantity !== "one" || f.versions.length < node.versions.length;
    return `${f.name}${optional ? "?" : ""}: ${fieldTsType(node.name, f)}`;
  });
  const location = node.attributes.length ? " & Location" : "";
  const optionalObject = node.fields.every((f) => f.quantity !== "one" || f.versions.length < node.versions.length);
  const tail = `${location}${optionalObject ? " = {}" : ""}`;
  if (!members.length) return `fields: Location${optionalObject ? " = {}" : ""}`;
  const oneLine = `fields: { ${members.join("; ")} }${tail}`;
  if (oneLine.length + "  constructor() {".length <= LINE_WIDTH) return oneLine;
  return `\n    fields: {\n${members.map((m) => `      ${m};`).join("\n")}\n    }${tail},\n  `;
}

function constructorCode(node: MergedNode): string[] {
  // No fields, no attributes: nothing to pass, but what is passed is still checked (`new ast.Add(5)`).
  if (node.fields.length === 0 && node.attributes.length === 0) {
    return [
      `  /** A ${node.name} node, which has no fields. */`,
      "  constructor(fields: Record<string, never> = {}) {",
      "    super(fields);",
      "  }",
    ];
  }
  return [constructorDoc(node), `  constructor(${constructorParameter(node)}) {`, "    super(fields);", "  }"];
}

function constructorDoc(node: MergedNode): string {
  const location = node.attributes.length ? " and location attributes" : "";
  const filled = node.fields.some((f) => f.quantity !== "one")
    ? " (an omitted list is `[]`, an omitted optional field `null`)"
    : "";
  return `  /** A ${node.name} from its fields${location}${filled}. */`;
}

function constantMembers(): string[] {
  return [
    "  /** Whether Python had a float here; see {@link ConstantValue}. Not a Python field. */",
    "  isFloat: boolean;",
    '  /** A Constant from its value, `kind` (`"u"` for a `u"..."` string, else null) and `isFloat`. */',
    "  constructor(fields: { value: ConstantValue; kind?: string | null; isFloat?: boolean } & Location) {",
    "    super(fields);",
    "    this.isFloat = fields.isFloat ?? false;",
    "  }",
  ];
}

function render(merged: MergedNode[], probes: Probe[]): string {
  const all = probes.map((p) => p.version);
  const nodes = new Map(merged.map((n) => [n.name, n]));
  const versionSets = new Map<string, string[]>();
  for (const node of merged) {
    for (const versions of [node.versions, ...node.fields.flatMap((f) => [f.versions, f.requiredIn ?? []])]) {
      if (!versions.length) continue;
      versionSets.set(versionsConstant(versions, all), versions);
    }
  }
  const header = [
    `// Generated by scripts/generate_ast.ts from the \`ast\` module of CPython ${all.join(", ")}. Do not edit.`,
    "// Regenerate: node_modules/.bin/deno run -A scripts/generate_ast.ts",
    "",
    'import type { ConstantValue } from "./constant.ts";',
    'import { type FieldType, type Location, Node } from "./node.ts";',
    "",
    "/** The Python minor versions these classes were generated from, oldest first. */",
    `export const PYTHON_VERSIONS: readonly string[] = [${all.map((v) => `"${v}"`).join(", ")}];`,
    "",
    ...[...versionSets].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true })).map(([name, versions]) =>
      `const ${name}: readonly string[] = [${versions.map((v) => `"${v}"`).join(", ")}];`
    ),
  ];
  const classes = merged.flatMap((node) => ["", ...classCode(node, nodes, all)]);
  const aliases = Object.entries(LOCAL_NAMES).map(([python, local]) => `export { ${local} as ${python} };`);
  return [...header, ...classes, "", ...aliases, ""].join("\n");
}

function main(): void {
  const probes = interpreters().map(probe).sort((a, b) =>
    Number(a.version.split(".")[1]) - Number(b.version.split(".")[1])
  );
  const merged = mergedOrder(probes).map((name) => mergeNode(name, probes));
  writeFileSync(OUTPUT, render(merged, probes));
  console.log(`wrote ${OUTPUT}: ${merged.length} node classes from Python ${probes.map((p) => p.version).join(", ")}`);
}

main();
