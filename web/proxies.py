"""Client addresses from proxy headers, only for the proxies the operator names.

``X-Forwarded-For`` is whatever the sender wrote, so it is ignored unless
``COPRO_TRUSTED_PROXIES`` says which proxies stand in front of copro:

- a number N: exactly N proxies, each appending to the header (werkzeug's ProxyFix with
  ``x_for=N, x_proto=N``); use it when copro cannot be reached except through them;
- a comma-separated list of addresses or networks (``10.0.0.5, 192.168.1.0/24``): the
  header is read only when the request comes from one of them, from the right, skipping
  the listed proxies; the first address that is not one of them is the client.

The client address is what the sign-in throttle counts by, so getting this wrong would
let a stranger pick their own address, or make everyone share the proxy's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

from ledger.log.errors import ConfigurationError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Set in the WSGI environ of a request that came through a trusted proxy: its X-Request-Id is then believed.
TRUSTED_MARK = "copro.trusted_proxy"


def parse(setting: object) -> int | list[Network]:
    """0 (no proxy), a hop count, or the trusted networks; ConfigurationError for anything else."""
    if setting is None or setting == "":
        return 0
    if isinstance(setting, int):
        hops = setting
    elif isinstance(setting, str) and setting.strip().isdigit():
        hops = int(setting.strip())
    else:
        items = setting if isinstance(setting, list | tuple) else str(setting).split(",")
        try:
            return [ipaddress.ip_network(str(item).strip(), strict=False) for item in items if str(item).strip()]
        except ValueError:
            raise ConfigurationError(
                f"COPRO_TRUSTED_PROXIES is {setting!r}; give the number of proxies in front of copro, "
                "or their addresses separated by commas (for example 10.0.0.5, 192.168.1.0/24)."
            ) from None
    if not 0 <= hops <= 10:
        raise ConfigurationError(f"COPRO_TRUSTED_PROXIES is {hops}; give a number of proxies from 0 to 10.")
    return hops


def wrap(app: WSGIApplication, trusted: int | list[Network]) -> WSGIApplication:
    """The WSGI app that reads client addresses as configured (the app itself when no proxy is trusted)."""
    if isinstance(trusted, int):
        return _marked(ProxyFix(app, x_for=trusted, x_proto=trusted)) if trusted else app
    return ListedProxies(app, trusted) if trusted else app


def _marked(app: WSGIApplication) -> WSGIApplication:
    """With a hop count every request comes through the proxies (the operator says so): mark them all."""

    def marked(environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        environ[TRUSTED_MARK] = True
        return app(environ, start_response)

    return marked


class ListedProxies:
    """Trust ``X-Forwarded-For`` / ``X-Forwarded-Proto`` only from the listed proxies."""

    def __init__(self, app: WSGIApplication, networks: Iterable[Network]) -> None:
        self.app = app
        self.networks = list(networks)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        remote = environ.get("REMOTE_ADDR", "")
        if self._trusted(remote):
            environ[TRUSTED_MARK] = True
            hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
            client = remote
            for hop in reversed(hops):
                client = hop
                if not self._trusted(hop):
                    break
            environ["REMOTE_ADDR"] = client
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)
