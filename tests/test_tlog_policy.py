"""C2SP tlog-policy: whose cosignatures count, and how many are enough.

An auditor writes one policy file naming the log, the witnesses and the quorum;
``copro verify --policy`` then accepts a checkpoint only when enough of the named
witnesses cosigned it.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.log.cosignature import Cosigner
from ledger.log.merkle import leaf_hash
from ledger.log.signed_note import Checkpoint, NoteSigner, UnverifiedNoteError, sign_note, verifier_key
from ledger.log.tlog_policy import PolicyError, QuorumError, parse_policy

ORIGIN = "example.org/copro/riverside"
LOG = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x07" * 32))
W = [Cosigner(f"w{i}.example/witness", Ed25519PrivateKey.from_private_bytes(bytes([10 + i]) * 32)) for i in range(4)]
LOG_VKEY = verifier_key(ORIGIN, LOG.private_key.public_key())


def _policy(quorum_lines: str) -> str:
    witnesses = "".join(f"witness W{i} {w.verifier().vkey()} https://w{i}.example/\n" for i, w in enumerate(W))
    return f"# the riverside collective's auditors\nlog {LOG_VKEY}\n\n{witnesses}{quorum_lines}"


def _note(cosigners: list[Cosigner]) -> str:
    body = Checkpoint(ORIGIN, 3, leaf_hash(b"x")).to_text()
    return sign_note(body, [LOG]) + "".join(c.cosign(body, 1_790_000_000) for c in cosigners)


def test_quorum_two_of_two_passes_only_when_both_witnesses_cosigned() -> None:
    policy = parse_policy(_policy("group both all W0 W1\nquorum both\n"))
    assert policy.check(_note([W[0], W[1]])) == {"W0", "W1"}
    with pytest.raises(QuorumError) as short:
        policy.check(_note([W[0]]))
    assert "cosigned by W0" in str(short.value) and "'both'" in str(short.value)


def test_nested_groups_follow_the_example_in_the_specification() -> None:
    policy = parse_policy(_policy("group X 2 W0 W1 W2\ngroup Y any W3\ngroup XY all X Y\nquorum XY\n"))
    assert policy.satisfied_by({"W0", "W2", "W3"})
    assert not policy.satisfied_by({"W0", "W1", "W2"})
    assert not policy.satisfied_by({"W0", "W3"})


def test_quorum_none_needs_only_the_log_signature_but_still_that() -> None:
    policy = parse_policy(_policy("quorum none\n"))
    assert policy.check(_note([])) == set()
    stranger = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x08" * 32))
    body = Checkpoint(ORIGIN, 3, leaf_hash(b"x")).to_text()
    with pytest.raises(UnverifiedNoteError):
        policy.check(sign_note(body, [stranger]))


@given(st.sets(st.integers(0, 3)), st.integers(1, 4))
def test_a_threshold_group_is_met_exactly_when_k_members_cosigned(cosigned: set[int], k: int) -> None:
    policy = parse_policy(_policy(f"group G {k} W0 W1 W2 W3\nquorum G\n"))
    assert policy.satisfied_by({f"W{i}" for i in cosigned}) == (len(cosigned) >= k)


@pytest.mark.parametrize(
    ("tail", "says"),
    [
        ("", "no quorum line"),
        ("quorum W9\n", "before it is defined"),
        ("quorum none\nquorum none\n", "second quorum line"),
        ("group G 5 W0 W1\nquorum G\n", "threshold '5'"),
        ("group G 0 W0\nquorum G\n", "threshold '0'"),
        ("group G any W0 W0\nquorum G\n", "same member twice"),
        ("group W0 any W1\nquorum W0\n", "already taken"),
        (f"witness W9 {W[0].verifier().vkey()}\nquorum none\n", "already names"),
        ("witness none " + W[0].verifier().vkey() + "\nquorum none\n", "already taken"),
        ("wittness W9 x\nquorum none\n", "expected log, witness, group or quorum"),
        ("witness W9 not-a-key\nquorum none\n", "cannot be read"),
        ("quorum none\x0b\n", "control character"),
    ],
)
def test_a_malformed_policy_is_refused_naming_its_line(tail: str, says: str) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policy(_policy(tail))
    assert says in str(refused.value)
