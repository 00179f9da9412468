"""The web front end through Flask's test client: every route, who may do what, and bad input."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest

from tests.nothing_written import held
from tests.web_support import Person, Site, json_body, open_proposal, proposal_id

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


# -- signing in ----------------------------------------------------------------------------------


def test_an_invitation_sets_a_passphrase_once_and_signs_the_member_in(site: Site) -> None:
    p = Person(site, None)
    path = site.invitation("amara")
    page = p.get(path)
    assert page.status_code == 200 and "Welcome, Amara" in page.text
    r = p.post(path, {"username": "amara", "passphrase": "blue kettle river", "confirm": "blue kettle river"})
    assert r.status_code == 303
    home = p.get(r.headers["Location"])
    assert home.status_code == 200 and "Waiting for you" in home.text
    again = Person(site, None).get(path)
    assert again.status_code == 410 and "already been used" in again.text


def test_invitation_refusals_say_what_to_do(site: Site) -> None:
    p = Person(site, None)
    assert "not valid" in p.get("/invite/not-a-token").text
    path = site.invitation("ben")
    p.get(path)
    r = p.post(path, {"username": "ben", "passphrase": "short", "confirm": "short"})
    assert r.status_code == 422 and "at least 12 characters" in r.text
    r = p.post(path, {"username": "ben", "passphrase": "long enough one", "confirm": "long enough two"})
    assert r.status_code == 422 and "two passphrases are different" in r.text
    assert site.copro.accounts.by_member(site.world.member("ben")) is None, "nothing was recorded"


def test_an_expired_invitation_is_refused(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    path = site.invitation("ben")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 15 * 86400)
    r = Person(site, None).get(path)
    assert r.status_code == 410 and "expired" in r.text


def test_a_wrong_passphrase_is_refused_without_saying_which_part_was_wrong(site: Site) -> None:
    site.account_for("amara")
    p = Person(site, None)
    p.get("/signin")
    r = p.post("/signin", {"username": "amara", "passphrase": "not the passphrase"})
    assert r.status_code == 401 and "do not match" in r.text
    r = p.post("/signin", {"username": "nobody-here", "passphrase": "not the passphrase"})
    assert r.status_code == 401 and "do not match" in r.text


def test_signing_out_ends_the_session(site: Site) -> None:
    amara = Person(site, "amara")
    assert amara.get(site.url("/")).status_code == 200
    amara.post("/signout")
    r = amara.get(site.url("/"))
    assert r.status_code == 302 and "/signin" in r.headers["Location"]


# -- security ------------------------------------------------------------------------------------


def test_every_response_carries_a_strict_content_security_policy(site: Site) -> None:
    r = Person(site, None).get("/signin")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in r.headers["Vary"]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "<script>" not in r.text.replace('<script src="/static/', ""), "no inline scripts"


def test_a_forged_csrf_token_is_refused_and_nothing_is_recorded(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree", "csrf_token": "forged"})
    assert r.status_code == 400 and "expired or was not sent from copro" in r.text
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree"}, csrf=False)
    assert r.status_code == 400
    assert site.world.gov.ballot_of(pid, site.world.member("amara")) is None


def test_an_oversized_form_is_refused_with_413(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree", "reason": "x" * 100_000})
    assert r.status_code == 413 and "too much to send" in r.text
    assert site.world.gov.ballot_of(pid, site.world.member("amara")) is None


def test_script_in_a_reason_is_shown_as_text(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    evil = "<script>alert('x')</script>"
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "disagree", "reason": evil})
    assert r.status_code == 303
    page = amara.get(site.url("/proposals/{p}", p=pid)).text
    assert evil not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


# -- governing -----------------------------------------------------------------------------------


def test_voting_without_javascript_redirects_back_with_a_message(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree"})
    assert r.status_code == 303
    page = amara.get(r.headers["Location"]).text
    assert "Your position is recorded: agree." in page
    assert site.world.gov.ballot_of(pid, site.world.member("amara")).position == "agree"  # type: ignore[union-attr]


def test_voting_with_htmx_returns_the_position_partial(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "abstain"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section id="my-position"')
    assert "<html" not in r.text
    assert "copro:status" in r.headers["HX-Trigger"]
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "block"}, headers={"HX-Request": "true"})
    assert r.status_code == 422 and "Please give a reason" in r.text and '<section id="my-position"' in r.text
    assert site.world.gov.ballot_of(pid, site.world.member("amara")).position == "abstain"  # type: ignore[union-attr]


def test_a_vote_on_a_closed_proposal_is_refused_on_the_page(site: Site) -> None:
    pid = open_proposal(site)
    site.world.gov.close_proposal(pid, by=site.world.facilitator)
    site.copro.views.catch_up()
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree"})
    assert r.status_code == 409 and "can not respond to it now" in r.text


def test_the_proposal_page_explains_the_rule_and_where_it_stands(site: Site) -> None:
    pid = open_proposal(site)
    site.world.gov.cast_ballot(pid, member_id=site.world.member("ben"), position="agree")
    site.copro.views.catch_up()
    page = Person(site, "amara").get(site.url("/proposals/{p}", p=pid)).text
    assert "How this is decided" in page and "If it closed now:" in page
    assert "1 of 3" in page  # lived-experience members who responded


def test_the_full_journey_through_forms(site: Site) -> None:
    w = site.world
    pid = open_proposal(site)
    amara, ben, dev = Person(site, "amara"), Person(site, "ben"), Person(site, "dev")
    amara.get(site.url("/proposals/{p}", p=pid))
    assert (
        amara.post(
            site.url("/proposals/{p}/objections", p=pid), {"reason": "Too narrow.", "paramount": "yes"}
        ).status_code
        == 303
    )
    (oid,) = w.gov.proposal(pid).objection_ids
    ben.get(site.url("/proposals/{p}", p=pid))
    r = ben.post(site.url("/proposals/{p}/objections/{o}/withdraw", p=pid, o=oid))
    assert r.status_code == 403 and "Only the person who raised" in r.text
    assert (
        ben.post(site.url("/proposals/{p}/objections/{o}/answer", p=pid, o=oid), {"answer": "We widen it."}).status_code
        == 303
    )
    assert amara.post(site.url("/proposals/{p}/objections/{o}/withdraw", p=pid, o=oid)).status_code == 303
    for name in ("amara", "ben", "dev", "sam"):
        w.gov.cast_ballot(pid, member_id=w.member(name), position="agree")
    dev.get(site.url("/proposals/{p}", p=pid))
    assert dev.post(site.url("/proposals/{p}/close", p=pid), {"understand": "yes"}).status_code == 303
    page = dev.get(site.url("/proposals/{p}", p=pid)).text
    assert "Outcome: Adopted" in page and "Adopted by consent" in page
    audit = dev.get(site.url("/audit/?aggregate={p}", p=pid.hex)).text
    assert "Proposal.Closed" in audit and "FAILS" not in audit
    leaf = w.gov.merkle_log.leaf_index_of(pid, w.gov.proposal(pid).version)
    proof = dev.get(site.url("/audit/proof/{n}.json", n=leaf))
    assert proof.status_code == 200 and json_body(proof)["leaf_index"] == leaf and json_body(proof)["inclusion_path"]


def test_agreement_reflection_contribution_and_member_pages(site: Site) -> None:
    w = site.world
    sam = Person(site, "sam")
    assert "Our power-sharing agreement" in sam.get(site.url("/agreement/")).text
    sam.get(site.url("/reflections/"))
    r = sam.post(
        site.url("/reflections/"),
        {
            "subject": "period",
            "subject_ref": "November",
            "worked": "Pay on time.",
            "did_not": "",
            "power": "Shared.",
            "actions": "Book rooms\nSend papers",
        },
    )
    assert r.status_code == 303
    assert "Book rooms" in sam.get(site.url("/reflections/")).text
    sam.get(site.url("/contributions/"))
    r = sam.post(site.url("/contributions/"), {"activity": "Steering group", "minutes": "90", "on": "2026-11-02"})
    assert r.status_code == 303
    r = sam.post(site.url("/contributions/"), {"activity": "Steering group", "minutes": "ninety", "on": "2026-11-02"})
    assert r.status_code == 422 and "whole number" in r.text
    sam.get(site.url("/members/"))
    r = sam.post(site.url("/members/"), {"name": "Zara New", "contact": "zara@example.org", "groups": ["carers"]})
    assert r.status_code == 422 and "Unknown stakeholder group" in r.text
    r = sam.post(site.url("/members/"), {"name": "Zara New", "contact": "zara@example.org", "groups": ["funders"]})
    assert r.status_code == 201 and "/invite/" in r.text
    assert len(w.gov.collective(w.collective).active_members()) == 8


# -- who may do what -----------------------------------------------------------------------------

ACTIONS: dict[str, tuple[str, str, dict[str, object], set[str]]] = {
    # action: (method, path template, data, who may)
    "read home": ("GET", "/", {}, {"amara", "ben", "dev", "sam", "femi"}),
    "read proposal": ("GET", "/proposals/{p}", {}, {"amara", "ben", "dev", "sam", "femi"}),
    "vote": ("POST", "/proposals/{p}/position", {"position": "agree"}, {"amara", "ben", "dev", "sam"}),
    "object": ("POST", "/proposals/{p}/objections", {"reason": "No."}, {"amara", "ben", "dev", "sam"}),
    "open": ("POST", "/proposals/{d}/open", {}, {"dev"}),
    "close": ("POST", "/proposals/{p}/close", {"understand": "yes"}, {"dev"}),
    "revise": ("POST", "/proposals/{p}/revise", {"title": "New", "body": "Changed text."}, {"amara", "dev"}),
    "invite": ("POST", "/members/", {"name": "New Person", "groups": ["funders"]}, {"sam"}),
    "offer recognition": ("POST", "/contributions/{x}/offer", {"kind": "credit"}, {"sam"}),
}
SUCCESS = {200, 201, 303}
REFUSED = {403, 404, 409, 422}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("who", ["amara", "ben", "dev", "sam", "femi", "outsider"])
def test_authorisation_matrix(site: Site, action: str, who: str) -> None:
    method, template, data, allowed = ACTIONS[action]
    w = site.world
    pid = open_proposal(site)
    draft = w.gov.draft_proposal(w.collective, by=w.member("amara"), category="budget", title="Draft", body="D")
    contribution = w.gov.log_contribution(
        w.collective, by=w.member("ben"), member_id=w.member("ben"), activity="Panel", minutes=60, on=w.clock().date()
    )
    site.copro.views.catch_up()
    if who == "outsider":
        # A member of another collective: every page of this one is a 404 to them.
        cid, founder = w.gov.found_collective(
            name="Other",
            purpose="Elsewhere.",
            groups={"x": "X"},
            founder_name="Olu",
            founder_contact="",
            founder_groups=["x"],
        )
        token = site.copro.accounts.invite(founder, cid)
        site.copro.accounts.accept(token, "olu", "outsider passphrase")
        person = Person(site, None)
        person.get("/signin")
        person.post("/signin", {"username": "olu", "passphrase": "outsider passphrase"})
    else:
        person = Person(site, who)
    path = site.url(template, p=pid, d=draft, x=contribution)
    person.get(site.url("/proposals/{p}", p=pid))
    before = held(w.gov, site.config)
    r = person.get(path) if method == "GET" else person.post(path, data)
    if who == "outsider":
        assert r.status_code == 404, r.text
    elif who in allowed:
        assert r.status_code in SUCCESS, (who, action, r.status_code, r.text[:500])
        assert method == "GET" or held(w.gov, site.config) != before, f"{action} by {who} recorded nothing"
        return
    else:
        assert r.status_code in REFUSED, (who, action, r.status_code)
        assert r.status_code != 404, "members get 403 (or a reason), never 404, inside their own collective"
    assert held(w.gov, site.config) == before, f"{action} by {who} was refused but wrote to the ledger"


def test_signed_out_visitors_are_sent_to_sign_in(site: Site) -> None:
    r = Person(site, None).get(site.url("/proposals/"))
    assert r.status_code == 302 and "/signin?next=" in r.headers["Location"]


def test_an_unknown_proposal_or_malformed_id_is_404(site: Site) -> None:
    amara = Person(site, "amara")
    assert amara.get(site.url("/proposals/{p}", p=uuid4())).status_code == 404
    assert amara.get(site.url("/proposals/not-a-uuid")).status_code == 404
    missing = amara.get(f"/c/{uuid4()}/")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("text/html"), "error pages are pages, not plain text"
    assert "<title>404 · copro</title>" in missing.text


def test_the_tally_partial_refreshes(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    site.world.gov.cast_ballot(pid, member_id=site.world.member("dev"), position="agree")
    site.copro.views.catch_up()
    r = amara.get(site.url("/proposals/{p}/tally", p=pid), headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.text.lstrip().startswith('<div id="tally"')
    assert proposal_id(site, "Which models do we study?") == pid


def test_every_link_on_the_main_pages_leads_somewhere(site: Site) -> None:
    open_proposal(site)
    site.world.gov.draft_proposal(
        site.world.collective, by=site.world.member("ben"), category="budget", title="D", body="B"
    )
    site.copro.views.catch_up()
    dev = Person(site, "dev")
    seen: set[str] = set()
    for start in ("/", "/proposals/", "/agreement/", "/reflections/", "/contributions/", "/members/", "/audit/"):
        page = dev.get(site.url(start), follow_redirects=True)
        assert page.status_code == 200, start
        for href in re.findall(r'href="(/c/[^"#]+)"', page.text):
            href = href.replace("&amp;", "&")
            if href in seen or "/proof/" in href:
                continue
            seen.add(href)
            assert dev.get(href).status_code == 200, href
    assert len(seen) > 10


def test_a_vote_on_a_version_revised_meanwhile_is_refused(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    page = amara.get(site.url("/proposals/{p}", p=pid)).text
    seen = re.search(r'name="version" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    site.world.gov.revise_proposal(pid, by=site.world.member("amara"), title="Changed", body="Changed text.")
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree", "version": seen})
    assert r.status_code == 409 and "revised while you were reading" in r.text
    assert site.world.gov.ballot_of(pid, site.world.member("amara")) is None


def test_a_ballot_for_someone_else_is_impossible(site: Site) -> None:
    """The member comes from the session, never from the form: a smuggled member id is ignored."""
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    ben = site.world.member("ben")
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree", "member_id": str(ben)})
    assert r.status_code == 303
    assert site.world.gov.ballot_of(pid, ben) is None
    assert site.world.gov.ballot_of(pid, site.world.member("amara")).position == "agree"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "form",
    [{"position": "maybe"}, {}, {"position": "agree", "version": "sha256:" + "0" * 64}, {"position": "block"}],
)
def test_a_malformed_position_form_records_nothing(site: Site, form: dict[str, str]) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    r = amara.post(site.url("/proposals/{p}/position", p=pid), form)
    assert r.status_code in (409, 422)
    assert 'id="error-summary" role="alert"' in r.text and r.text.count('aria-invalid="true"') == (r.status_code == 422)
    assert site.world.gov.ballot_of(pid, site.world.member("amara")) is None


def test_the_audit_trail_pages_back_through_history_and_filters_one_record(site: Site) -> None:
    w = site.world
    pid = open_proposal(site)
    for i in range(30):
        w.gov.log_contribution(
            w.collective,
            by=w.member("ben"),
            member_id=w.member("ben"),
            activity=f"Task {i}",
            minutes=10,
            on=w.clock().date(),
        )
    site.copro.views.catch_up()
    ben = Person(site, "ben")
    first = ben.get(site.url("/audit/")).text
    leaves = [int(n) for n in re.findall(r"<tr>\s*<td[^>]*>(\d+)</td>", first)]
    assert len(leaves) == 50 and leaves == sorted(leaves, reverse=True)
    older = re.search(r'href="([^"]*before=\d+)"', first)
    assert older is not None
    second = ben.get(older.group(1).replace("&amp;", "&")).text
    more = [int(n) for n in re.findall(r"<tr>\s*<td[^>]*>(\d+)</td>", second)]
    assert more and max(more) < min(leaves), "older events, none repeated"
    one = ben.get(site.url("/audit/?aggregate={p}", p=pid.hex)).text
    kinds = re.findall(r'<td data-label="Event">([^<]+)</td>', one)
    assert kinds == ["The proposal opened for responses", "A proposal was drafted"], "said in plain words"
    assert "<code>Proposal.Opened</code>" in one and ">Proposal.Opened<" not in one.split("Technical details")[0]
    assert ben.get(site.url("/audit/?aggregate=not-an-id")).status_code == 404
    assert ben.get(site.url("/audit/?aggregate={x}", x=uuid4().hex)).status_code == 404
