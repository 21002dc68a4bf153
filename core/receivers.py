"""Core's signal receivers, connected in CoreConfig.ready(): a password change ends the user's API token,
a sign-in starts the session's clock, a failed sign-in goes to the security log."""

import time

from core.security import SIGNED_IN_AT, client_address, log
from core.tokens import token_revoke


def revoke_tokens_on_password_change(sender, instance, update_fields=None, **kwargs) -> None:
    """A changed or reset password ends the user's API token: whoever knew the old password may hold it.

    Any set_password() then save() counts: the password pages, the admin site, `changepassword`. The
    rehash Django does at sign-in after a hasher upgrade does not (same password, new hash): it saves
    without set_password(), whose raw password AbstractBaseUser keeps in `_password` until the save.
    """
    if instance.pk is None or getattr(instance, "_password", None) is None:
        return
    if update_fields is None or "password" in update_fields:
        token_revoke(user=instance, reason="password changed")


def remember_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = int(time.time())


def log_failed_sign_in(sender, credentials, request=None, **kwargs) -> None:
    log.warning(
        "sign-in failed user=%s address=%s path=%s",
        credentials.get("username", "?"),
        client_address(request),
        getattr(request, "path", ""),
    )
