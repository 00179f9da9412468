"""``/log/``: the log served as C2SP tlog-tiles, read over real HTTP by a client that trusts nothing of ours.

The story: a monitor run by a funder follows the Riverside collective's log. It
fetches the checkpoint, the tiles and the entry bundles from the running server,
with no account and no cookie, and checks with its own few lines of RFC 6962
hashing (not copro's) that the entries hash to the signed root and that an
inclusion proof from ``copro proof`` holds. The served files are byte for byte
the files of an exported bundle.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.governance.service import Governance
from ledger.log.bundle.layout import entries_path, tile_path, tiles_for_size, unpack_entries
from ledger.log.config import LedgerConfig
from ledger.log.served_log import NotServed, parse_tile_path
from tests.sized_world import build_sized_world
from tests.test_serving import copro_serve
from tests.web_support import Site

# -- an independent RFC 6962 client: hashlib only -----------------------------------------


def _leaf(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _mth(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return _node(_mth(hashes[:k]), _mth(hashes[k:]))


def _root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2, written out again here on purpose."""
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise AssertionError("inclusion path too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    assert sn == 0
    return r


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.fixture
def served_ledger(make_config: Callable[[str], LedgerConfig]) -> LedgerConfig:
    """A collective of 120 members: several hundred events, so level-1 tiles exist."""
    from ledger.log.keystore import KeysFolder
    from tests.conftest import PASSPHRASE

    config = make_config("sqlite")
    gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
    try:
        build_sized_world(gov, 120, proposals=2, objections=2)
        gov.checkpoint()
    finally:
        gov.close()
    return config


def test_a_monitor_follows_the_served_log_with_its_own_hashing(served_ledger: LedgerConfig, tmp_path: Path) -> None:
    config = served_ledger
    env = {**os.environ}
    bundle = tmp_path / "bundle"
    exported = subprocess.run(
        [sys.executable, "-m", "copro", "--data", str(config.data_dir), "export", str(bundle)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert exported.returncode == 0, exported.stderr
    with copro_serve(config.data_dir) as (port, _):
        status, headers, note = _get(port, "/log/checkpoint")
        assert status == 200
        assert headers["content-type"] == "text/plain; charset=utf-8"
        assert headers["cache-control"] == "public, max-age=5"
        assert "set-cookie" not in headers
        assert note == (bundle / "checkpoint").read_bytes()
        _origin, size_text, root64 = note.decode().split("\n")[:3]
        size, root = int(size_text), base64.b64decode(root64)
        assert size > 256

        # Every tile and entry bundle the checkpoint implies: served, immutable, equal to the bundle's file.
        leaves: list[bytes] = []
        entries: list[bytes] = []
        for tile in tiles_for_size(size):
            status, headers, body = _get(port, f"/log/{tile.path}")
            assert status == 200, tile.path
            assert headers["cache-control"] == "public, max-age=31536000, immutable"
            assert headers["content-type"] == "application/octet-stream"
            assert body == (bundle / tile.path).read_bytes(), tile.path
            if tile.level == 0:
                leaves += [body[i : i + 32] for i in range(0, len(body), 32)]
                status, headers, packed = _get(port, f"/log/{tile.entries_path}", {"Accept-Encoding": "gzip"})
                assert status == 200 and headers["content-encoding"] == "gzip"
                plain = gzip.decompress(packed)
                assert plain == (bundle / tile.entries_path).read_bytes()
                entries += unpack_entries(plain)
        # The monitor's own checks: entries hash to the leaves, the leaves to the signed root,
        # and each level-1 hash is the root of the full level-0 tile below it.
        assert [_leaf(e) for e in entries] == leaves
        assert _mth(leaves) == root
        _, _, level1 = _get(port, "/log/" + tile_path(1, 0, size // 256))
        assert level1[:32] == _mth(leaves[:256])

    # An inclusion proof from `copro proof` holds under the monitor's hashing.
    proof = _proof_of_leaf(config, 200)
    assert base64.b64decode(proof["root_hash"]) == root
    path = [base64.b64decode(h) for h in proof["inclusion_path"]]
    assert _root_from_path(leaves[200], 200, size, path) == root


def _proof_of_leaf(config: LedgerConfig, index: int) -> dict[str, Any]:
    """`copro proof` for the event at ``index`` (found through the ledger, as an auditor with the id would)."""
    from ledger.log.application import Ledger
    from ledger.log.keystore import KeysFolder
    from tests.conftest import PASSPHRASE

    ledger = Ledger.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE))
    try:
        rows = list(ledger.merkle_log.scan(batch=1000))
        row = next(r for batch in rows for r in batch if r.leaf_index == index)
        size = max(s for s, _ in ledger.merkle_log.checkpoints())
    finally:
        ledger.close()
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "copro",
            "--data",
            str(config.data_dir),
            "proof",
            "--aggregate",
            str(row.originator_id),
            "--version",
            str(row.originator_version),
            "--size",
            str(size),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert shown.returncode == 0, shown.stderr
    return dict(json.loads(shown.stdout))


def test_paths_beyond_the_checkpoint_or_malformed_are_refused_plainly(served_ledger: LedgerConfig) -> None:
    with copro_serve(served_ledger.data_dir) as (port, _):
        _, _, note = _get(port, "/log/checkpoint")
        size = int(note.decode().split("\n")[1])
        beyond = [entries_path(size // 256 + 1), tile_path(0, size // 256 + 5), tile_path(2, 0, 1)]
        for path in beyond:
            status, headers, body = _get(port, f"/log/{path}")
            assert status == 404, path
            assert body.decode().count("\n") == 1 and "checkpoint" in body.decode()
            assert headers["cache-control"] == "no-store"
        for malformed in [
            "tile/01/000",
            "tile/64/000",
            "tile/0/1",
            "tile/0/x000/001",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
        ]:
            status, _, body = _get(port, f"/log/{malformed}")
            assert status == 400, malformed
            assert body.decode().count("\n") == 1


@pytest.mark.parametrize(
    ("path", "level", "index", "width"),
    [
        ("tile/0/000", 0, 0, 256),
        ("tile/3/x001/x234/067.p/8", 3, 1234067, 8),
        ("tile/entries/x002/003.p/255", None, 2003, 255),
    ],
)
def test_tile_paths_are_read_as_tlog_tiles_writes_them(path: str, level: int | None, index: int, width: int) -> None:
    wanted = parse_tile_path(path)
    assert (wanted.level, wanted.index, wanted.width) == (level, index, width)
    rebuilt = tile_path(level, index, width) if level is not None else entries_path(index, width)
    assert rebuilt == path


def test_an_unknown_path_is_not_found() -> None:
    with pytest.raises(NotServed) as refused:
        parse_tile_path("manifest.json")
    assert refused.value.status == 404


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_collective_can_show_its_log_to_named_auditors_only(site: Site, config: LedgerConfig) -> None:
    from copro.cli import main
    from ledger.log.log_access import LogAccess

    site.world.gov.checkpoint()
    client = site.app.test_client()
    assert client.get("/log/checkpoint").status_code == 200  # public by default
    token = LogAccess(config.data_dir).add("riverside-auditor")
    assert (config.data_dir / "log-auditors").stat().st_mode & 0o777 == 0o600
    assert token not in (config.data_dir / "log-auditors").read_text()
    refused = client.get("/log/checkpoint")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "named auditors" in refused.get_data(as_text=True)
    assert client.get("/log/tile/0/000.p/1", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/log/checkpoint", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert main(["--data", str(config.data_dir), "log-access", "remove", "riverside-auditor"]) == 0
    assert client.get("/log/checkpoint", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert main(["--data", str(config.data_dir), "log-access", "remove", "nobody"]) == 2
