"""Receipts: Amara keeps proof that her vote is in the public record, and anyone can check it.

She votes, downloads a ``.tlog-proof`` receipt in a real Chromium, and checks it on
the "Check a receipt" page and with ``copro receipt verify``. A receipt with one
byte changed fails both. The format is C2SP tlog-proof v1, with the record itself
in the ``extra`` line so that the leaf hash can be recomputed.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser, expect

from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.log.merkle import MemoryTree, inclusion_proof, leaf_hash
from ledger.log.receipt import HEADER, ReceiptError, check_receipt, make_receipt, parse_receipt
from ledger.log.signed_note import Checkpoint, NoteSigner, sign_note, verifier_key
from tests.browser_support import CHROMIUM, run_axe
from tests.conftest import PASSPHRASE
from tests.web_support import Person, Site, live_server, open_proposal

LOG = NoteSigner("example.org/riverside", Ed25519PrivateKey.from_private_bytes(b"\x05" * 32))


def _record(i: int) -> bytes:
    return b"\x01" + bytes(68) + b"copro/event/v1\n" + i.to_bytes(16, "big") + (1).to_bytes(8, "big") + b"\x00\x01T{}"


def _receipt(index: int = 3, size: int = 7) -> str:
    records = [_record(i) for i in range(size)]
    tree = MemoryTree(leaf_hash(r) for r in records)
    note = sign_note(Checkpoint(LOG.name, size, tree.root()).to_text(), [LOG])
    return make_receipt(index, inclusion_proof(index, size, tree.read), note, records[index])


def test_a_receipt_is_a_c2sp_tlog_proof_and_checks_against_the_log_key() -> None:
    text = _receipt()
    assert text.startswith(HEADER + "\nextra ")
    assert "\nindex 3\n" in text
    checked = check_receipt(parse_receipt(text.encode()), [LOG.verifier()])
    assert (checked.origin, checked.size, checked.index, checked.version, checked.topic) == (LOG.name, 7, 3, 1, "T")


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("extra", "record or the proof was changed"),
        ("index", "record or the proof was changed"),
        ("proof", "record or the proof was changed"),
        ("root", "not signed by this log's key"),
        ("signature", "not signed by this log's key"),
    ],
)
def test_a_receipt_with_one_byte_changed_fails(where: str, says: str) -> None:
    text = _receipt()
    lines = text.split("\n")
    if where == "extra":
        raw = bytearray(base64.b64decode(lines[1][6:]))
        raw[-2] ^= 1
        lines[1] = "extra " + base64.b64encode(bytes(raw)).decode()
    elif where == "index":
        lines[2] = "index 4"
    elif where == "proof":
        lines[3] = ("B" if lines[3][0] != "B" else "C") + lines[3][1:]
    elif where == "root":
        at = lines.index("") + 3
        lines[at] = ("B" if lines[at][0] != "B" else "C") + lines[at][1:]
    else:
        lines[-2] = lines[-2][:-6] + ("A" if lines[-2][-6] != "A" else "B") + lines[-2][-5:]
    with pytest.raises(ReceiptError) as refused:
        check_receipt(parse_receipt("\n".join(lines).encode()), [LOG.verifier()])
    assert says in str(refused.value)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"hello", "does not start with"),
        (HEADER.encode() + b"\nextra AAAA\nindex 3\n", "cut short"),
        (HEADER.encode() + b"\nindex 3\n\nx\n", "does not carry the record"),
        (b"\xff\xfe", "not text"),
    ],
)
def test_what_is_not_a_receipt_is_said_in_one_sentence(data: bytes, says: str) -> None:
    with pytest.raises(ReceiptError) as refused:
        parse_receipt(data)
    assert says in str(refused.value)


# -- in the web app, and offline ------------------------------------------------------------


def _vkey(config: LedgerConfig) -> str:
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    return verifier_key(keys.origin, keys.checkpoint.public_key)


def _verify(path: Path, vkey: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "copro", "receipt", "verify", str(path), "--key", vkey],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


def _amara_votes(site: Site) -> tuple[UUID, str]:
    pid = open_proposal(site)
    w = site.world
    ballot = w.gov.cast_ballot(pid, member_id=w.member("amara"), position="agree", reason="It asks what we need.")
    site.copro.views.catch_up()
    return ballot, site.url("/receipts/{b}/1.tlog-proof", b=ballot)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_member_downloads_a_receipt_that_verifies_offline_and_on_the_check_page(
    site: Site, config: LedgerConfig, gov: Governance, tmp_path: Path
) -> None:
    _, url = _amara_votes(site)
    amara = Person(site, "amara")
    proposal_page = amara.get(site.url("/proposals/{p}", p=site.copro.views.proposals(site.world.collective)[0]["id"]))
    assert "Your vote is in the public record since" in proposal_page.text
    assert f'href="{url}" download' in proposal_page.text
    r = amara.get(url)
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].startswith("attachment;")
    receipt = tmp_path / "vote.tlog-proof"
    receipt.write_bytes(r.data)
    ok = _verify(receipt, _vkey(config))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK: event 1 of") and "copro/1/Ballot" in ok.stdout

    page = amara.get("/receipts/check")
    assert page.status_code == 200
    checked = amara.post("/receipts/check", {"receipt": (receipt.open("rb"), "vote.tlog-proof")})
    assert checked.status_code == 200
    assert "This receipt is genuine" in checked.text and "a vote" in checked.text

    tampered = tmp_path / "tampered.tlog-proof"
    data = bytearray(r.data)
    data[data.index(b"\nindex ") + 7] ^= 1  # one byte of the index line
    tampered.write_bytes(bytes(data))
    failed = _verify(tampered, _vkey(config))
    assert failed.returncode == 1 and failed.stdout.startswith("FAILED:")
    refused = amara.post("/receipts/check", {"receipt": (tampered.open("rb"), "tampered.tlog-proof")})
    assert refused.status_code == 422 and "could not be confirmed" in refused.text
    assert "<title>Error: " in refused.text

    assert amara.post("/receipts/check", {}).status_code == 400
    stranger = site.app.test_client()
    assert stranger.get(url).status_code in (302, 303)  # sign in first


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["sqlite"])
def test_amara_downloads_her_receipt_in_chromium_and_checks_it(
    site: Site, config: LedgerConfig, browser: Browser, tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is needed")
    _amara_votes(site)
    username, passphrase = site.account_for("amara")
    with live_server(site.app) as server:
        context = browser.new_context(base_url=server, accept_downloads=True, bypass_csp=True)
        page = context.new_page()
        page.goto("/signin")
        page.get_by_label("Sign-in name").fill(username)
        page.get_by_label("Passphrase").fill(passphrase)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for you")
        pid = site.copro.views.proposals(site.world.collective)[0]["id"]
        page.goto(site.url("/proposals/{p}", p=pid))
        expect(page.get_by_text("Your vote is in the public record since")).to_be_visible()
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download a receipt").click()
        saved = tmp_path / "downloaded.tlog-proof"
        download_info.value.save_as(saved)
        assert _verify(saved, _vkey(config)).returncode == 0
        page.goto("/receipts/check")
        page.get_by_label("Your receipt file").set_input_files(str(saved))
        page.get_by_role("button", name="Check this receipt").click()
        expect(page.get_by_role("heading", name="This receipt is genuine")).to_be_visible()
        assert run_axe(page) == []
        data = bytearray(saved.read_bytes())
        data[data.index(b"\nindex ") + 7] ^= 1
        bad = tmp_path / "bad.tlog-proof"
        bad.write_bytes(bytes(data))
        page.get_by_label("Your receipt file").set_input_files(str(bad))
        page.get_by_role("button", name="Check this receipt").click()
        expect(page.get_by_role("heading", name="This receipt could not be confirmed")).to_be_visible()
        assert page.title().startswith("Error: ")
        assert run_axe(page) == []
        context.close()
    assert _verify(bad, _vkey(config)).returncode == 1


def test_a_receipt_under_a_cosigned_checkpoint_meets_a_witness_policy_and_an_uncosigned_one_does_not() -> None:
    from ledger.log.cosignature import Cosigner
    from ledger.log.tlog_policy import parse_policy

    witness = Cosigner("partner.example/w", Ed25519PrivateKey.from_private_bytes(b"\x06" * 32))
    policy = parse_policy(
        f"log {verifier_key(LOG.name, LOG.private_key.public_key())}\nwitness P {witness.verifier().vkey()}\nquorum P\n"
    )
    text = _receipt()
    body = text[text.index("\n\n") + 2 :]
    body = body[: body.rfind("\n\n") + 1]
    cosigned = text + witness.cosign(body, 1_790_000_000)
    assert check_receipt(parse_receipt(cosigned.encode()), [], policy).witnesses == ("P",)
    with pytest.raises(ReceiptError) as refused:
        check_receipt(parse_receipt(text.encode()), [], policy)
    assert "not enough witnesses" in str(refused.value)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_objector_and_a_signer_download_receipts_for_their_own_acts(
    site: Site, config: LedgerConfig, tmp_path: Path
) -> None:
    import re

    pid = open_proposal(site)
    w = site.world
    w.gov.raise_objection(pid, member_id=w.member("amara"), reason="It leaves out people who work nights.")
    site.copro.views.catch_up()
    amara = Person(site, "amara")
    page = amara.get(site.url("/proposals/{p}", p=pid)).text
    assert "Your objection is in the public record." in page
    link = re.search(r'href="([^"]+\.tlog-proof)" download hx-boost="false">Download a receipt<span', page)
    assert link is not None
    objection = tmp_path / "objection.tlog-proof"
    objection.write_bytes(amara.get(link.group(1)).data)
    assert "copro/1/Objection" in _verify(objection, _vkey(config)).stdout

    agreement_page = amara.get(site.url("/agreement/")).text  # amara signed for her group when the world began
    assert "Your signature is in the public record." in agreement_page
    signed = re.search(r'href="([^"]+/my-signature\.tlog-proof)"', agreement_page)
    assert signed is not None
    signature = tmp_path / "signature.tlog-proof"
    signature.write_bytes(amara.get(signed.group(1)).data)
    ok = _verify(signature, _vkey(config))
    assert ok.returncode == 0 and "copro/1/Agreement.Signed" in ok.stdout, ok.stdout + ok.stderr
    # Someone who has not signed gets a plain 404, not someone else's receipt.
    unsigned = Person(site, "ben").get(signed.group(1))
    assert unsigned.status_code == 404 and "You have not signed" in unsigned.text
