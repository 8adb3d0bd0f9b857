"""Background work of issuance, run by `ecert worker` (the django-tasks database backend)."""

from __future__ import annotations

from django_tasks import task

from ecert.issuance.services import passlist_import_run


@task()
def passlist_import_task(import_id: int) -> None:
    """Run one queued pass-list import to its end (its outcome is kept on the import)."""
    passlist_import_run(import_id=import_id)
