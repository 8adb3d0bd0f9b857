"""The codes a refused draft carries: every rule of the pipeline's, never a key store's fault."""

from __future__ import annotations

import ast
import inspect

from ecert.core.formats import algorithms, identifiers, keystore
from ecert.core.identity import names
from ecert.core.identity.names import NAME_CODES
from ecert.core.rules import drafts, photos
from ecert.core.rules.drafts import DRAFT_CODES
from ecert.core.rules.photos import PHOTO_CODES
from ecert.credentials import pipeline
from ecert.credentials.pipeline import ISSUE_REFUSALS
from tests.error_codes import codes_raised


def _draft_error_codes() -> frozenset[str]:
    """The literal codes of ``draft_error(draft, field, code, …)`` and ``refused(code, …)`` calls."""
    found: set[str] = set()
    for module in (drafts, photos):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                args = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if node.func.id == "draft_error" and len(node.args) >= 3:
                    code = node.args[2]
                    if isinstance(code, ast.Constant) and isinstance(code.value, str):
                        found.add(code.value)
                elif node.func.id == "refused" and args and isinstance(args[0], str):
                    found.add(args[0])
    return frozenset(found)


def test_the_refusal_lists_hold_every_code_their_modules_raise() -> None:
    codes = _draft_error_codes()
    assert codes_raised(names) == NAME_CODES
    assert codes <= DRAFT_CODES | PHOTO_CODES
    assert codes_raised(pipeline) <= ISSUE_REFUSALS


def test_a_fault_of_signing_is_never_a_refusal() -> None:
    assert not codes_raised(keystore, algorithms, identifiers) & ISSUE_REFUSALS
