/**
 * Test support: a module compiled under `from __future__ import annotations`, run in `__main__`.
 * Its `annotated_inside(x)` holds a def annotated with a name only type checkers import, so the
 * annotations must stay strings: `["Decimal", x + 1]`. (sympy's evalf: rewritten code compiled
 * without the module's import raised NameError there.)
 */
import { python } from "../src/python/mod.ts";

export const FUTURE_FILENAME = "future_annotations_module.py";

python.exec(
  `from __future__ import annotations
import typing
if typing.TYPE_CHECKING:
    from decimal import Decimal

def annotated_inside(x: Decimal) -> int:
    def inner(y: Decimal) -> Decimal:
        return y
    return [inner.__annotations__["y"], inner(x) + 1]
`,
  { filename: FUTURE_FILENAME },
);
