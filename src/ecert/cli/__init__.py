"""The ``ecert`` command: one Typer app (``base``), its commands grouped by subject in this
package."""

from __future__ import annotations

from ecert.cli import (
    accounts,
    credentials,
    documents,
    elicence,
    issuance,
    keys,
    printing,
    system,
    users,
    verify,
)
from ecert.cli.base import app

app.add_typer(keys.keys_app, name="keys")
app.add_typer(accounts.api_token_app, name="api-token")
app.add_typer(users.user_app, name="user")
app.add_typer(credentials.credential_app, name="credential")
app.add_typer(elicence.elicence_app, name="elicence")
app.command("verify")(verify.verify)
app.command("import-passlist")(issuance.import_passlist)
app.command("import-records")(issuance.import_records)
app.command("render")(documents.render)
app.command("print-file")(printing.print_file)
app.command("holder-code")(accounts.holder_code)

__all__ = ["app", "main", "system"]


def main() -> None:
    app()
