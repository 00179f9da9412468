"""The audit pages serve consistency proofs an auditor checks offline, and answer bad sizes with a sentence."""

from __future__ import annotations

import base64
import re

import pytest

from tests.test_format import checkpoint_root, consistent, leaf_hashes_from_tables, mth
from tests.web_support import Person, Site, json_body


def _grow(site: Site, count: int) -> None:
    w = site.world
    for i in range(count):
        w.gov.log_contribution(
            w.collective,
            by=w.member("ben"),
            member_id=w.member("ben"),
            activity=f"Task {i}",
            minutes=5,
            on=w.clock().date(),
        )
    site.copro.views.catch_up()


def test_the_audit_trail_links_a_consistency_proof_between_its_last_two_checkpoints_and_it_verifies(
    site: Site,
) -> None:
    gov = site.world.gov
    old_note = gov.checkpoint()
    _grow(site, 5)
    new_note = gov.checkpoint()
    (old_size, old_root), (new_size, new_root) = checkpoint_root(old_note), checkpoint_root(new_note)
    ben = Person(site, "ben")
    page = ben.get(site.url("/audit/")).text
    link = re.search(r'href="([^"]*/audit/consistency/(\d+)/(\d+)\.json)"', page)
    assert link is not None and (int(link.group(2)), int(link.group(3))) == (old_size, new_size)
    r = ben.get(link.group(1))
    assert r.status_code == 200 and r.mimetype == "application/json"
    proof = json_body(r)
    assert (proof["old_size"], proof["new_size"], proof["origin"]) == (old_size, new_size, gov.keys.origin)
    assert base64.b64decode(proof["old_root_hash"]) == old_root
    assert base64.b64decode(proof["new_root_hash"]) == new_root
    path = [base64.b64decode(h) for h in proof["consistency_path"]]
    assert consistent(old_size, new_size, path, old_root, new_root)
    leaves = leaf_hashes_from_tables(site.config)
    assert (mth(leaves[:old_size]), mth(leaves[:new_size])) == (old_root, new_root)


@pytest.mark.parametrize(
    ("old", "new", "status", "said"),
    [
        ("0", "{size}", 400, "The old tree size must be 1 or more, got 0"),
        ("5", "3", 400, "The old tree size 5 is larger than the new tree size 3"),
        ("1", "{over}", 404, "so it has no tree of size {over} yet"),
        ("1", str(2**53 - 1), 404, f"so it has no tree of size {2**53 - 1} yet"),
        # Beyond 2^53 - 1 no whole number in a path names anything (web/__init__.py): 404 before the view.
        ("1", str(2**70), 404, "There is nothing here"),
        (str(2**64), str(2**64), 404, "There is nothing here"),
    ],
)
def test_consistency_sizes_out_of_range_get_a_sentence_and_a_4xx_never_a_server_error(
    old: str, new: str, status: int, said: str, site: Site
) -> None:
    size = site.world.gov.merkle_log.log_size()
    sizes = {"size": size, "over": size + 1}
    ben = Person(site, "ben")
    r = ben.get(site.url(f"/audit/consistency/{old.format(**sizes)}/{new.format(**sizes)}.json"))
    assert r.status_code == status
    assert said.format(**sizes) in json_body(r)["error"]


def test_leaf_and_page_numbers_too_big_for_the_database_are_not_a_server_error(site: Site) -> None:
    ben = Person(site, "ben")
    for leaf in (site.world.gov.merkle_log.log_size(), 2**63, 2**70):
        assert ben.get(site.url("/audit/proof/{n}.json", n=leaf)).status_code == 404
    r = ben.get(site.url("/audit/?before={n}", n=2**70))
    assert r.status_code == 400 and "no such page" in r.text
