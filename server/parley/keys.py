"""The secrets a server needs: embedded mode generates and keeps them in the
data directory; cluster mode refuses to start without them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from parley.config import Settings
from parley.domain.tokens import new_secret
from parley.observability.logs import announce


def _stored_secret(path: Path) -> tuple[str, bool]:
    """Reads the secret at `path`, creating it (mode 0600) on first start."""
    if path.exists():
        return path.read_text().strip(), False
    secret = new_secret()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return secret, True


def resolve_secrets(settings: Settings) -> Settings:
    """Embedded mode generates and keeps its secrets in the data directory;
    cluster mode refuses to start without them."""
    admin = settings.secret_value()
    key = os.environ.get("PARLEY_TOKEN_SECRET", "") or settings.auth.token_secret
    if settings.mode != "embedded":
        if not admin or not key:
            raise SystemExit("cluster mode needs PARLEY_ADMIN_SECRET and PARLEY_TOKEN_SECRET")
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if not admin:
            path = settings.data_dir / "admin_secret"
            admin, created = _stored_secret(path)
            announce(f"admin secret {'created' if created else 'read'} at {path}")
        if not key:
            key, _ = _stored_secret(settings.data_dir / "token_key")
    auth = settings.auth.model_copy(update={"admin_secret": admin, "token_secret": key})
    hooks = settings.hooks
    if hooks.url and not hooks.secret:
        if settings.mode != "embedded":
            raise SystemExit("cluster mode with hooks needs PARLEY_HOOKS__SECRET")
        path = settings.data_dir / "hook_secret"
        secret, created = _stored_secret(path)
        announce(f"hook secret {'created' if created else 'read'} at {path}")
        hooks = hooks.model_copy(update={"secret": secret})
    return settings.model_copy(update={"auth": auth, "hooks": hooks})
