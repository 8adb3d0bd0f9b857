"""API tokens: made with `ecert api-token create`, shown once, kept as a hash, audited."""

from __future__ import annotations

import hashlib

from typer.testing import CliRunner

from ecert.accounts.models import ApiToken, User
from ecert.accounts.services import api_token_authenticate
from ecert.audit.models import AuditEvent
from ecert.cli import app
from tests.conftest import World


def test_the_command_prints_a_token_once_and_keeps_only_its_hash(world: World) -> None:
    result = CliRunner().invoke(
        app, ["api-token", "create", "exam_centre_clerk", "--name", "考试报名系统"]
    )

    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    stored = ApiToken.objects.get()
    assert (stored.name, stored.user.username) == ("考试报名系统", "exam_centre_clerk")
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(stored.key_prefix)
    assert api_token_authenticate(token=token) == world.users["exam_centre_clerk"]
    event = AuditEvent.objects.get(action="api_token.created")
    assert token not in str(event.data)


def test_revoking_a_token_by_its_prefix_stops_it(world: World) -> None:
    runner = CliRunner()
    token = runner.invoke(app, ["api-token", "create", "jinan_clerk", "--name", "x"]).stdout
    token = token.strip().splitlines()[-1]
    prefix = ApiToken.objects.get().key_prefix

    listed = runner.invoke(app, ["api-token", "list"])
    revoked = runner.invoke(app, ["api-token", "revoke", prefix])

    assert prefix in listed.stdout
    assert revoked.exit_code == 0, revoked.output
    assert api_token_authenticate(token=token) is None
    assert AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_an_unknown_user_gets_no_token(world: World) -> None:
    result = CliRunner().invoke(app, ["api-token", "create", "nobody", "--name", "x"])

    assert result.exit_code == 2
    assert not ApiToken.objects.exists()


def test_a_token_of_a_deactivated_user_no_longer_works(world: World) -> None:
    result = CliRunner().invoke(app, ["api-token", "create", "exam_centre_clerk", "--name", "x"])
    token = result.stdout.strip().splitlines()[-1]
    User.objects.filter(username="exam_centre_clerk").update(is_active=False)

    assert api_token_authenticate(token=token) is None


def test_a_kept_key_stops_working_at_once_when_it_is_revoked(world: World) -> None:
    from ecert.accounts.services import (
        api_token_authenticate_cached,
        api_token_create,
        api_token_revoke,
    )

    api_token, token = api_token_create(actor=None, user=world.users["exam_centre_clerk"], name="x")
    assert api_token_authenticate_cached(token=token) == world.users["exam_centre_clerk"]
    assert api_token_authenticate_cached(token=token) is not None  # now from the process's cache

    api_token_revoke(actor=None, api_token=api_token)

    assert api_token_authenticate_cached(token=token) is None


def test_a_kept_key_is_checked_again_when_another_process_stamps_a_change(world: World) -> None:
    from django.utils import timezone

    from ecert.accounts.services import (
        _stamp_path,
        api_token_authenticate_cached,
        api_token_create,
    )

    _, token = api_token_create(actor=None, user=world.users["exam_centre_clerk"], name="x")
    assert api_token_authenticate_cached(token=token) is not None
    # Revoked without this process's signals, as another process's revocation looks from here:
    ApiToken.objects.update(revoked_at=timezone.now())
    assert api_token_authenticate_cached(token=token) is not None  # kept: nothing was stamped

    other = _stamp_path().with_name("stamp-of-another-process")
    other.write_bytes(b"changed")
    other.replace(_stamp_path())

    assert api_token_authenticate_cached(token=token) is None
