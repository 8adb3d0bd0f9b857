"""Pure-Python domain rules. Imports no Django (enforced by import-linter)."""
