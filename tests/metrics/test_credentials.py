"""Pull sources' credentials: encrypted at rest with the keys of AOP_CREDENTIAL_KEYS (the first encrypts,
all decrypt), re-encrypted by rotate_credentials, so that changing the key loses nothing."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from core.models import AuditEntry
from metrics import credentials
from metrics.models import PullSource
from metrics.pulls import pull_save

OLD, NEW, STRANGER = (Fernet.generate_key().decode() for _ in range(3))


def test_a_credential_round_trips_and_its_token_does_not_hold_it(settings):
    settings.AOP_CREDENTIAL_KEYS = [OLD]
    token = credentials.encrypt("hunter2-password")
    assert "hunter2" not in token
    assert credentials.decrypt(token) == "hunter2-password"
    assert credentials.encrypt("") == "" and credentials.decrypt("") == ""


def test_without_keys_one_is_derived_from_the_secret_key(settings):
    settings.AOP_CREDENTIAL_KEYS = []
    token = credentials.encrypt("pw")
    assert credentials.decrypt(token) == "pw"
    settings.SECRET_KEY = "another secret key altogether"
    with pytest.raises(credentials.Unreadable, match="cannot be decrypted"):
        credentials.decrypt(token)


def test_a_malformed_key_stops_with_its_position(settings):
    settings.AOP_CREDENTIAL_KEYS = [OLD, "not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="key 2 is not a Fernet key"):
        credentials.encrypt("pw")


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    settings.AOP_CREDENTIAL_KEYS = [OLD]
    token = credentials.encrypt("pw")
    settings.AOP_CREDENTIAL_KEYS = [NEW, OLD]
    assert credentials.decrypt(token) == "pw"
    assert Fernet(NEW.encode()).decrypt(credentials.encrypt("pw").encode()) == b"pw"
    settings.AOP_CREDENTIAL_KEYS = [STRANGER]
    with pytest.raises(credentials.Unreadable):
        credentials.decrypt(token)


def _source(people, name: str, secret: str) -> PullSource:
    values = {"name": name, "kind": "sql", "url": "sqlite:////tmp/wh.db", "query": "SELECT 1 AS kpi"}
    return pull_save(actor=people.ops, source=None, version=None, values=values, secret=secret)


def test_changing_the_key_prepend_rotate_drop_keeps_every_credential(settings, people, capsys):
    settings.AOP_CREDENTIAL_KEYS = [OLD]
    first, second = _source(people, "Warehouse", "pw-one"), _source(people, "Other", "pw-two")
    history = AuditEntry.objects.count()
    settings.AOP_CREDENTIAL_KEYS = [NEW, OLD]  # step 1: the new key first
    call_command("rotate_credentials")  # step 2
    assert "2 credential(s) re-encrypted" in capsys.readouterr().out
    settings.AOP_CREDENTIAL_KEYS = [NEW]  # step 3: the old key dropped
    for source, secret in ((first, "pw-one"), (second, "pw-two")):
        stored = PullSource.objects.get(pk=source.pk)
        assert credentials.decrypt(stored.secret) == secret
        assert stored.version == source.version  # the credential did not change: no new version
    assert AuditEntry.objects.count() == history


def test_rotation_changes_nothing_when_a_credential_is_unreadable(settings, people):
    settings.AOP_CREDENTIAL_KEYS = [OLD]
    readable = _source(people, "Readable", "pw-one")
    settings.AOP_CREDENTIAL_KEYS = [STRANGER]
    lost = _source(people, "Lost", "pw-two")
    before = dict(PullSource.objects.values_list("pk", "secret"))
    settings.AOP_CREDENTIAL_KEYS = [NEW, OLD]  # STRANGER is missing: Lost cannot be read
    with pytest.raises(CommandError, match="No configured key decrypts the credential of Lost"):
        call_command("rotate_credentials")
    assert dict(PullSource.objects.values_list("pk", "secret")) == before
    assert readable.pk in before and lost.pk in before
