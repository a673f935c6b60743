/** The standard-library modules whose functions the benchmarks work on. */
export const MODULES = [
  "argparse",
  "ast",
  "collections",
  "dataclasses",
  "difflib",
  "enum",
  "inspect",
  "json.decoder",
  "pathlib",
  "string",
  "textwrap",
  "typing",
];
