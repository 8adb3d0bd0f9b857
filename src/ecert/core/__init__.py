"""Pure-Python domain rules, grouped by subject: identity, formats (crypto and signed formats),
spreadsheets, documents and rules. Imports no Django (enforced by import-linter)."""

from pathlib import Path

# The packaged data files: the authority tree, the catalogue, code tables, faces and fonts.
PACKAGE_DATA = Path(__file__).resolve().parent.parent / "data"
