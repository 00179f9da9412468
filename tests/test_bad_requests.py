"""Pages and parameters that once answered 500: each now answers with the right status and a sentence."""

from __future__ import annotations

import pytest

from tests.web_support import Person, Site

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_a_draft_withdrawn_before_it_opened_still_has_a_page_and_a_tally(site: Site) -> None:
    w = site.world
    pid = w.gov.draft_proposal(w.collective, by=w.member("amara"), category="budget", title="Buy a van", body="A van.")
    w.gov.withdraw_proposal(pid, by=w.member("amara"), reason="We found a lift share instead.")
    site.copro.views.catch_up()
    amara = Person(site, "amara")
    page = amara.get(site.url("/proposals/{p}", p=pid))
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    assert "withdrawn" in page.get_data(as_text=True).lower()
    tally = amara.get(site.url("/proposals/{p}/tally", p=pid))
    assert tally.status_code == 200


@pytest.mark.parametrize("before", ["99999999999999999999999", "-1", "1e9", "abc", "9223372036854775808"])
def test_the_audit_trail_refuses_a_page_number_out_of_range_with_a_sentence(site: Site, before: str) -> None:
    amara = Person(site, "amara")
    r = amara.get(site.url("/audit/") + f"?before={before}")
    assert r.status_code == 400
    assert "page" in r.get_data(as_text=True).lower()


@pytest.mark.parametrize("leaf", ["99999999999999999999999", "9223372036854775808", "18446744073709551616"])
def test_a_proof_for_a_leaf_beyond_any_log_is_404_not_500(site: Site, leaf: str) -> None:
    amara = Person(site, "amara")
    r = amara.get(site.url("/audit/proof/") + f"{leaf}.json")
    assert r.status_code == 404


@pytest.mark.parametrize("target", ["/c/x\r\nSet-Cookie: a=b", "/home\n", "//evil.example/", "/\\evil.example"])
def test_a_sign_in_link_with_a_bad_next_is_ignored_not_followed_or_crashed(site: Site, target: str) -> None:
    username, passphrase = site.account_for("amara")
    person = Person(site, None)
    person.get("/signin", query_string={"next": target})
    r = person.post("/signin", {"username": username, "passphrase": passphrase, "next": target})
    assert r.status_code == 303
    location = r.headers["Location"]
    assert "\n" not in location and "\r" not in location and "evil" not in location
    assert location.startswith(f"/c/{site.world.collective}")


def _chunked_post(base: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST ``body`` with Transfer-Encoding: chunked (no Content-Length), as a browser or proxy may."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        conn.putrequest("POST", path)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            for i in range(0, len(body), 16384):
                piece = body[i : i + 16384]
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may stop reading and answer before the whole body is sent
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_a_chunked_body_over_the_limit_gets_413_and_writes_nothing(site: Site) -> None:
    from tests.web_support import live_server, open_proposal

    pid = open_proposal(site)
    ben = Person(site, "ben")
    ben.get(site.url("/proposals/{p}", p=pid))
    cookie = "; ".join(f"{c.key}={c.value}" for c in (ben.client._cookies or {}).values())
    body = b"csrf_token=" + ben.token.encode() + b"&position=agree&reason=" + b"x" * (2 * 1024 * 1024)
    with live_server(site.app) as base:
        status, text = _chunked_post(base, site.url("/proposals/{p}/position", p=pid), body, {"Cookie": cookie})
        small = b"csrf_token=" + ben.token.encode() + b"&position=agree&reason=fine"
        ok_status, _ = _chunked_post(base, site.url("/proposals/{p}/position", p=pid), small, {"Cookie": cookie})
    assert status == 413, text[:300]
    assert "too much" in text
    assert ok_status == 303, "a chunked body within the limit is read and acted on"
    ballot = site.world.gov.ballot_of(pid, site.world.member("ben"))
    assert ballot is not None and ballot.version == 1, "only the small vote was written"
