"""Background work of documents, run by `ecert worker` (the django-tasks database backend)."""

from __future__ import annotations

from django_tasks import task

from ecert.documents.printing import print_file_run


@task()
def print_file_task(print_file_id: int, with_seal: bool = False) -> None:
    """Make one queued print file (its outcome, or why it failed, is kept on the print file)."""
    print_file_run(print_file_id, with_seal=with_seal)
