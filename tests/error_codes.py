"""The codes a module's own ``EcertError(...)`` calls carry, read from its source.

Catch sites that answer only some refusals list their codes by hand; the tests beside them check
those lists against this, so a new code is not silently left out (or a fault let in)."""

from __future__ import annotations

import ast
import inspect
from types import ModuleType


def codes_raised(*modules: ModuleType) -> frozenset[str]:
    """Every literal first argument of an ``EcertError(...)`` call in ``modules``."""
    found: set[str] = set()
    for module in modules:
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "EcertError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return frozenset(found)
