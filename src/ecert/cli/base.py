"""What every ``ecert`` subcommand shares: the Typer app, the console, Django's set-up."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(add_completion=False, no_args_is_help=True, help="ecert certificate registry")
console = Console()


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecert.settings")
    import django

    django.setup()
    from django.conf import settings

    Path(settings.ECERT_DATA_DIR).mkdir(parents=True, exist_ok=True)
