"""The request handler ``copro serve`` runs: an access log without secrets, a Server header without versions.

werkzeug's development server logs every request line, and an invitation link carries
its token in the path (``/invite/<token>``): anyone reading the log could accept the
invitation. The log shows ``/invite/[redacted]`` instead. Session ids travel only in the
cookie, which is never logged. The ``Server`` header says "copro", not which werkzeug
and Python versions an attacker could look up.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.serving import WSGIRequestHandler

_INVITE = re.compile(r"(/invite/)[^\s?/\"]+")


def redact(text: str) -> str:
    """The text with every invitation token replaced by ``[redacted]``."""
    return _INVITE.sub(r"\1[redacted]", text)


class CoproRequestHandler(WSGIRequestHandler):
    @property
    def server_version(self) -> str:  # type: ignore[override]
        return "copro"

    def version_string(self) -> str:
        return "copro"

    def log(self, type: str, message: str, *args: Any) -> None:
        # Every line werkzeug writes (the request line, errors quoting the request) passes here.
        super().log(type, "%s", redact(message % args if args else message))
