"""The signing seam: signatures are exactly Ed25519's, and the mapper's leaf hash is the record's."""

from __future__ import annotations

from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.log import merkle
from ledger.log.application import build_transcoder
from ledger.log.record import BadSignatureError, UnknownKeyError, record_bytes, signing_input, verify_record
from ledger.log.signing_mapper import EventSigner, SignedStoredEvent, SigningMapper
from tests.diary import Diary

# RFC 8032 section 7.1, TEST 1 to TEST 3: (secret key, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_the_event_signer_reproduces_the_rfc_8032_vectors(
    secret: str, public: str, message: str, signature: str
) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret))
    assert key.public_key().public_bytes_raw().hex() == public
    assert EventSigner(key).sign(bytes.fromhex(message)).hex() == signature


@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=2000))
def test_the_event_signer_signs_exactly_as_cryptography_does(seed: bytes, message: bytes) -> None:
    """libsodium signs; cryptography keeps the keys and verifies. Ed25519 is deterministic, so they agree."""
    key = Ed25519PrivateKey.from_private_bytes(seed)
    assert EventSigner(key).sign(message) == key.sign(message)


def test_a_mapped_event_carries_the_leaf_hash_of_its_own_record() -> None:
    key = Ed25519PrivateKey.generate()
    mapper = SigningMapper(build_transcoder(), signer=key, verifiers={})
    diary = Diary(title="minutes")
    diary.write(text="agreed to meet monthly")
    for event in diary.collect_events():
        stored = mapper.to_stored_event(event)
        assert isinstance(stored, SignedStoredEvent)
        record = record_bytes(diary.id, stored.originator_version, stored.topic, stored.state)
        assert stored.leaf_hash == merkle.leaf_hash(record)
        verify_record(record, mapper.verifiers)
        assert mapper.to_domain_event(stored).originator_id == diary.id


def _signed_record(key: Ed25519PrivateKey, key_id: bytes) -> bytes:
    oid = UUID(int=7)
    payload = b'{"text":"agreed"}'
    signature = key.sign(signing_input(oid, 1, "Diary.Written", payload))
    return record_bytes(oid, 1, "Diary.Written", bytes((1,)) + key_id + signature + payload)


def test_the_record_verifier_names_the_key_it_does_not_know() -> None:
    key = Ed25519PrivateKey.generate()
    with pytest.raises(UnknownKeyError) as refused:
        verify_record(_signed_record(key, b"\x01\x02\x03\x04"), {b"\x09" * 4: key.public_key()})
    assert refused.value.key_id == b"\x01\x02\x03\x04"


def test_the_record_verifier_refuses_a_record_changed_after_signing() -> None:
    key = Ed25519PrivateKey.generate()
    record = _signed_record(key, b"\x01" * 4)
    assert verify_record(record, {b"\x01" * 4: key.public_key()}).payload == b'{"text":"agreed"}'
    with pytest.raises(BadSignatureError):
        verify_record(record[:-2] + b"!}", {b"\x01" * 4: key.public_key()})
