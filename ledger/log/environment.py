"""Secrets from the environment or from a file the environment names (``NAME`` or ``NAME_FILE``).

Docker and systemd hand secrets over as files (``/run/secrets/...``), so that the
passphrase never sits in a compose file, a process listing or ``docker inspect``.
Every secret copro reads can therefore be given either way; never both, so that
nobody wonders which one is in force. An error names the variable and the file, never
the secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ledger.log.errors import ConfigurationError


def secret_from_env(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """``$NAME``, else the text of the file ``$NAME_FILE`` (one trailing newline dropped), else None."""
    env = os.environ if environ is None else environ
    value = env.get(name)
    path = env.get(f"{name}_FILE")
    if value is not None and path:
        raise ConfigurationError(f"Both {name} and {name}_FILE are set; keep only one of them.")
    if not path:
        return value
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        why = e.strerror if isinstance(e, OSError) else "it is not UTF-8 text"
        raise ConfigurationError(
            f"{name}_FILE names {path}, which cannot be read ({why}); give a file that copro's user can read."
        ) from None
    text = text.removesuffix("\n").removesuffix("\r")
    if not text:
        raise ConfigurationError(f"{name}_FILE names {path}, which is empty; write the secret into it.")
    return text
