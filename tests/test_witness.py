"""Witnesses: C2SP tlog-cosignature v1 and the tlog-witness add-checkpoint protocol.

The story: a partner organisation runs a witness for a collective's log. It
cosigns each new checkpoint only when a consistency proof shows the new tree
extends the one it cosigned last, so a log that rewrites its history cannot get
cosignatures for the new story. Known answers come from the transparency-dev
Go implementation's published vectors.
"""

from __future__ import annotations

import base64
import http.client
import os
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.log.cosignature import (
    Cosigner,
    CosignerVerifier,
    cosignature_timestamp,
    cosigned_message,
    verified_cosignatures,
)
from ledger.log.merkle import MemoryTree, consistency_proof, leaf_hash
from ledger.log.signed_note import BadSignatureError, Checkpoint, NoteError, NoteSigner, sign_note
from ledger.log.witness import SIZE_TYPE, WitnessState
from ledger.log.witness_folder import WitnessFolder
from tests.witness_support import post, run_copro, witness_server

ORIGIN = "example.org/copro/riverside"
NOW = 1_790_000_000


# -- known answers (transparency-dev/formats note_cosigv1_test.go) --------------------


def test_a_native_cosignature_key_is_read_and_its_key_id_checked() -> None:
    verifier = CosignerVerifier.parse("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")
    assert verifier.name == "remora.n621.de"
    assert verifier.key_id == 0xDA77ADE7
    assert verifier.vkey() == "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


def test_a_plain_ed25519_note_key_is_accepted_as_the_same_witness_key() -> None:
    verifier = CosignerVerifier.parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert verifier.vkey().startswith("TEST+")
    assert base64.b64decode(verifier.vkey().split("+")[2])[0] == 0x04
    assert verifier.key_id != 0x7997405C  # the cosignature key id commits to type 0x04


@pytest.mark.parametrize(
    "vkey",
    [
        "bananas.sigstore.dev+12344556",
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",
        "rekor.sigstore.dev+12345678+AwEB",
        "remora.n621.de+00000000+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
        "remora.n621.de+NOTHEX00+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
    ],
)
def test_a_malformed_witness_key_is_refused_in_one_sentence(vkey: str) -> None:
    with pytest.raises(NoteError) as refused:
        CosignerVerifier.parse(vkey)
    assert str(refused.value).startswith("Witness key")


def test_the_timestamp_is_read_from_a_published_cosignature() -> None:
    blob = base64.b64decode(
        "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
    )
    assert cosignature_timestamp(blob[4:]) == 1727964367
    plain = base64.b64decode(
        "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY="
    )
    with pytest.raises(NoteError):
        cosignature_timestamp(plain[4:])  # an ordinary note signature has no timestamp


def test_the_signed_message_is_the_header_the_time_and_the_checkpoint() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cosigned_message(body, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


# -- cosigning and checking cosignatures -----------------------------------------------


def _seeded(name: str, seed: int) -> Cosigner:
    return Cosigner(name, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


def _log_signer() -> NoteSigner:
    return NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x07" * 32))


def _checkpoint(tree: MemoryTree, signer: NoteSigner | None = None) -> str:
    body = Checkpoint(ORIGIN, tree.size, tree.root()).to_text()
    return sign_note(body, [signer or _log_signer()])


def _tree(n: int, tag: str = "event") -> MemoryTree:
    return MemoryTree(leaf_hash(f"{tag} {i}".encode()) for i in range(n))


def test_a_cosignature_verifies_and_its_timestamp_is_returned() -> None:
    witness = _seeded("partner.example/w1", 1)
    note = _checkpoint(_tree(5))
    body = note[: note.rfind("\n\n") + 1]
    cosigned = note + witness.cosign(body, NOW)
    assert verified_cosignatures(cosigned, [witness.verifier()]) == {witness.verifier(): NOW}


def test_a_cosignature_on_another_checkpoint_or_altered_is_rejected() -> None:
    witness = _seeded("partner.example/w1", 1)
    note = _checkpoint(_tree(5))
    other = _checkpoint(_tree(6))
    line = witness.cosign(other[: other.rfind("\n\n") + 1], NOW)
    with pytest.raises(BadSignatureError):
        verified_cosignatures(note + line, [witness.verifier()])


def test_cosignatures_by_unknown_witnesses_are_ignored() -> None:
    known, stranger = _seeded("partner.example/w1", 1), _seeded("stranger.example/w", 2)
    note = _checkpoint(_tree(5))
    body = note[: note.rfind("\n\n") + 1]
    assert verified_cosignatures(note + stranger.cosign(body, NOW), [known.verifier()]) == {}


# -- the witness's decisions (every status tlog-witness names) ---------------------------


@pytest.fixture
def witness(tmp_path: Path) -> WitnessState:
    return WitnessState(tmp_path / "state.sqlite", _seeded("partner.example/w1", 1), [_log_signer().verifier()])


def _request(old: int, proof: list[bytes], note: str) -> bytes:
    lines = [f"old {old}"] + [base64.b64encode(h).decode() for h in proof]
    return ("\n".join(lines) + "\n\n" + note).encode()


def _grow(witness: WitnessState, tree: MemoryTree, old: int) -> int:
    proof = consistency_proof(old, tree.size, tree.read) if old else []
    return witness.add_checkpoint(_request(old, proof, _checkpoint(tree)), NOW).status


def test_the_first_checkpoint_is_cosigned_and_remembered(witness: WitnessState) -> None:
    tree = _tree(10)
    answer = witness.add_checkpoint(_request(0, [], _checkpoint(tree)), NOW)
    assert answer.status == 200
    note = _checkpoint(tree) + answer.body
    assert verified_cosignatures(note, [witness.cosigner.verifier()]) == {witness.cosigner.verifier(): NOW}
    stored = witness.latest(ORIGIN)
    assert stored is not None and stored[:2] == (10, tree.root())


def test_a_checkpoint_that_extends_the_last_one_with_a_valid_proof_is_cosigned(witness: WitnessState) -> None:
    assert _grow(witness, _tree(10), 0) == 200
    assert _grow(witness, _tree(17), 10) == 200
    assert _grow(witness, _tree(17), 17) == 200  # the same tree again: cosigned again, later
    assert witness.latest(ORIGIN) is not None and witness.latest(ORIGIN)[0] == 17  # type: ignore[index]


def test_an_old_size_that_is_not_the_last_cosigned_gets_409_with_that_size(witness: WitnessState) -> None:
    _grow(witness, _tree(10), 0)
    tree = _tree(20)
    answer = witness.add_checkpoint(_request(7, consistency_proof(7, 20, tree.read), _checkpoint(tree)), NOW)
    assert (answer.status, answer.content_type, answer.body) == (409, SIZE_TYPE, "10\n")
    assert witness.latest(ORIGIN)[0] == 10  # type: ignore[index]


def test_a_rewritten_history_is_refused_with_422_and_kept_as_evidence(witness: WitnessState) -> None:
    _grow(witness, _tree(10), 0)
    forked = _tree(20, tag="rewritten")
    answer = witness.add_checkpoint(_request(10, consistency_proof(10, 20, forked.read), _checkpoint(forked)), NOW)
    assert answer.status == 422
    assert "consistency proof does not verify" in answer.body
    assert witness.latest(ORIGIN)[:2] == (10, _tree(10).root())  # type: ignore[index]
    assert witness.evidence() == [(ORIGIN, 422, answer.body.strip())]


def test_the_same_size_with_another_root_is_refused_with_409(witness: WitnessState) -> None:
    _grow(witness, _tree(10), 0)
    answer = witness.add_checkpoint(_request(10, [], _checkpoint(_tree(10, tag="other"))), NOW)
    assert answer.status == 409 and "another root hash" in answer.body
    assert witness.evidence()[0][1] == 409


def test_an_unknown_log_gets_404_and_an_untrusted_signature_403(witness: WitnessState, tmp_path: Path) -> None:
    stranger = NoteSigner("elsewhere.example/log", Ed25519PrivateKey.from_private_bytes(b"\x09" * 32))
    body = Checkpoint("elsewhere.example/log", 1, leaf_hash(b"x")).to_text()
    assert witness.add_checkpoint(_request(0, [], sign_note(body, [stranger])), NOW).status == 404
    impostor = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x0a" * 32))
    answer = witness.add_checkpoint(_request(0, [], _checkpoint(_tree(3), impostor)), NOW)
    assert answer.status == 403
    assert witness.latest(ORIGIN) is None and witness.evidence() == []


@pytest.mark.parametrize(
    ("request_body", "says"),
    [
        (b"old 01\n\n", "leading zeros"),
        (b"new 0\n\n", "first line must be 'old'"),
        (b"old 0\nnot base64!\n\n", "Line 2"),
        (b"old 0\n", "no empty line"),
        (b"\xff\xfe", "UTF-8"),
        (b"old 0\n\nnot a checkpoint\n\n", "cannot be read"),
        (b"old 0\n" + b"AAAA\n" * 64 + b"\n", "at most 63"),
    ],
)
def test_a_malformed_request_gets_400_and_nothing_is_stored(
    witness: WitnessState, request_body: bytes, says: str
) -> None:
    answer = witness.add_checkpoint(request_body, NOW)
    assert answer.status == 400 and says in answer.body
    assert answer.body.count("\n") == 1  # one sentence
    assert witness.latest(ORIGIN) is None


def test_an_old_size_beyond_the_checkpoint_gets_400(witness: WitnessState) -> None:
    answer = witness.add_checkpoint(_request(50, [], _checkpoint(_tree(10))), NOW)
    assert answer.status == 400 and "larger than" in answer.body


def test_a_proof_from_size_zero_must_be_empty(witness: WitnessState) -> None:
    tree = _tree(4)
    answer = witness.add_checkpoint(_request(0, [tree.root()], _checkpoint(tree)), NOW)
    assert answer.status == 422 and witness.latest(ORIGIN) is None


def test_two_racing_requests_from_the_same_old_size_cosign_only_one(witness: WitnessState) -> None:
    """Check-and-store is atomic: the race the specification warns of cannot roll the state back."""
    _grow(witness, _tree(10), 0)
    trees = [_tree(15), _tree(30)]
    start = threading.Barrier(2)
    statuses: dict[int, int] = {}

    def submit(tree: MemoryTree) -> None:
        body = _request(10, consistency_proof(10, tree.size, tree.read), _checkpoint(tree))
        start.wait()
        statuses[tree.size] = witness.add_checkpoint(body, NOW).status

    threads = [threading.Thread(target=submit, args=(t,)) for t in trees]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses.values()) == [200, 409]
    winner = next(size for size, status in statuses.items() if status == 200)
    assert witness.latest(ORIGIN)[0] == winner  # type: ignore[index]


# -- two witnesses over real HTTP --------------------------------------------------------


def test_two_witness_processes_cosign_over_http_and_refuse_a_rewrite(tmp_path: Path) -> None:
    env = {**os.environ, "COPRO_KEY_PASSPHRASE": "correct horse battery staple"}
    log_vkey = _log_signer().verifier()
    from ledger.log.signed_note import verifier_key

    folders = [tmp_path / "w1", tmp_path / "w2"]
    vkeys = []
    for n, folder in enumerate(folders, start=1):
        made = run_copro("witness", "init", f"partner{n}.example/witness", "--dir", str(folder), env=env)
        assert made.returncode == 0, made.stderr
        vkeys.append(made.stdout.strip().splitlines()[-1])
        trusted = run_copro(
            "witness", "trust", verifier_key(ORIGIN, log_vkey.public_key), "--dir", str(folder), env=env
        )
        assert trusted.returncode == 0 and "now follows the log" in trusted.stdout
    assert (folders[0] / "witness.key").stat().st_mode & 0o777 == 0o600
    assert b"ciphertext" in (folders[0] / "witness.key").read_bytes()

    tree, grown, forked = _tree(10), _tree(25), _tree(25, tag="rewritten")
    with witness_server(folders[0], env) as (port1, _), witness_server(folders[1], env) as (port2, second):
        lines = []
        for port in (port1, port2):
            status, _, body = post(port, _request(0, [], _checkpoint(tree)))
            assert status == 200
            lines.append(body)
        note = _checkpoint(tree) + "".join(lines)
        verifiers = [CosignerVerifier.parse(v) for v in vkeys]
        assert set(verified_cosignatures(note, verifiers)) == set(verifiers)

        # One witness stops; the other still cosigns the grown log.
        second.terminate()
        second.communicate(timeout=30)
        status, _, _ = post(port1, _request(10, consistency_proof(10, 25, grown.read), _checkpoint(grown)))
        assert status == 200

        # A rewritten history cannot be cosigned: wrong old size (409) or a bad proof (422).
        status, content_type, body = post(
            port1, _request(10, consistency_proof(10, 25, forked.read), _checkpoint(forked))
        )
        assert (status, content_type, body) == (409, SIZE_TYPE, "25\n")
        status, _, body = post(port1, _request(25, [], _checkpoint(forked)))
        assert status == 409 and "another root hash" in body

        # Anything but POST /add-checkpoint is refused plainly.
        connection = http.client.HTTPConnection("127.0.0.1", port1, timeout=30)
        connection.request("GET", "/add-checkpoint")
        assert connection.getresponse().status == 405
        connection.close()

    assert WitnessFolder(folders[0]).open(env["COPRO_KEY_PASSPHRASE"]).latest(ORIGIN)[0] == 25  # type: ignore[index]


def test_witness_init_refuses_an_existing_witness_folder_and_a_short_passphrase(tmp_path: Path) -> None:
    env = {**os.environ, "COPRO_KEY_PASSPHRASE": "correct horse battery staple"}
    assert run_copro("witness", "init", "w.example/a", "--dir", str(tmp_path / "w"), env=env).returncode == 0
    again = run_copro("witness", "init", "w.example/a", "--dir", str(tmp_path / "w"), env=env)
    assert again.returncode == 2 and "already holds a witness" in again.stderr
    short = run_copro(
        "witness", "init", "w.example/b", "--dir", str(tmp_path / "v"), env={**env, "COPRO_KEY_PASSPHRASE": "short"}
    )
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    assert not (tmp_path / "v").exists()
    bad = run_copro("witness", "trust", "not a key", "--dir", str(tmp_path / "w"), env=env)
    assert bad.returncode == 2 and "cannot be used" in bad.stderr and "Traceback" not in bad.stderr
