"""Tests for ledger.log.signed_note: published Go/C2SP vectors plus property tests.

Why: copro's checkpoints are only useful if other people's tools (Go's
sumdb/note, transparency-dev witnesses) read them exactly as we write them.  The
known-answer tests use keys, texts and signatures published with those tools
(cited beside each constant) and check that we accept what they sign, produce
byte-identical signatures from their private key, and reject altered copies with
the right error type.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.log.signed_note import (
    MAX_SIGNATURES,
    BadSignatureError,
    Checkpoint,
    NoteError,
    NoteSigner,
    NoteVerifier,
    OpenedNote,
    UnverifiedNoteError,
    key_id,
    open_note,
    private_signer_key,
    sign_note,
    verifier_key,
)

# ---------------------------------------------------------------------------
# Published vectors
# ---------------------------------------------------------------------------

# Source: golang/mod sumdb/note/note_test.go (TestNewVerifier, TestNewSigner,
# TestSign, TestOpen); the same note is the package example in sumdb/note/note.go.
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)
SIGNED = TEXT + "\n" + PETER_SIG  # TestSign's `want`

# Key pairs published in transparency-dev/formats log/note_test.go.
FORMATS_KEY_PAIRS = [
    (
        "Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs",
        "PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ",
    ),
    (
        "Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH",
        "PRIVATE+KEY+Known+451c786d+AQPRoE2+Z+Ed1HaHBA9F/FfracvcZ2rDU39kCecMEoci",
    ),
    (
        "KnownAgain+4893b26c+AQ+LR7BFF/F/dkpIBjBpSvT0crkteizuUkavAoGeaYMj",
        "PRIVATE+KEY+KnownAgain+4893b26c+ARhZda/l25zjGZswYLDZsLNRzNpmv5wYTN9IoTr1OJ2+",
    ),
    (
        "Unknown+fdbb2e08+AWgRIYZ+8x1Vl+1Q+sR8zciNHiYI1SdlBjNw+RV0rots",
        "PRIVATE+KEY+Unknown+fdbb2e08+Aav2knTC6orbhXX8pMWuNiWgO+Wwk2DB+h1eU2Q1W1nU",
    ),
]

# A real Go checksum database checkpoint signed by sum.golang.org, with its
# published verifier key.  Source: transparency-dev/formats log/note_test.go
# (TestSumDBNoteParsing).  The three extra signatures and their keys come from
# BenchmarkParse in the same file ("many verifiers"), which opens this note with
# all four keys; "random1"/"random2" are its lines from unknown keys.
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_TEXT = "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n"
SUMDB_NOTE = (
    SUMDB_TEXT + "\n" + "\u2014 sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4n"
    "PRYfvimWEPWL+o3GeoWwOoAw=\n"
)
WITNESS_VKEYS = [
    "monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT",
    "bananas+cf639f13+AaPjhFnPCQnid/Ql32KWhmh+uk72FVRfK+2DLmO3BI3M",
    "witness+f13a86db+AdYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN",
]
WITNESS_SIGS = [
    "\u2014 monkeys 202ffh9ve46Mqbhuyb4wnC2Pwdan5EsXQym/tF1ggXJqhjGosU4T5intH4iKMRgDLxrnXuIjRaU2NbvAnaepM6Y+8ww=",
    "\u2014 bananas z2OfE+2bbsBZ7NLgfuslc0v7NFW2QyexJ7fhePpoL2N/P7N/COd5S+JNHbQEAlYzz2C5sg0E+x/MggS1mDR6t3/9rQw=",
    "\u2014 witness 8TqG25yWGFLdT7WPf/WoyeG3LwqtkXP+8S3yykOVm6EMh4hPgCke6eSVPU4BdtXNMPJBXKF+UpDbGgCdcpR8SVSoqAU=",
    "\u2014 random1 8TqG25yWGFLdT7WPf/WoyeG3LwqtkXP+8S3yykOVm6EMh4hPgCke6eSVPU4BdtXNMPJBXKF+UpDbGgCdcpR8SVSoqAU=",
    "\u2014 random2 8TqG25yWGFLdT7WPf/WoyeG3LwqtkXP+8S3yykOVm6EMh4hPgCke6eSVPU4BdtXNMPJBXKF+UpDbGgCdcpR8SVSoqAU=",
]

# The example in the C2SP signed-note specification (C2SP/C2SP signed-note.md).
# Its key is not published, so it can only be parsed; its text has an empty line,
# showing that the text ends at the *last* blank line.
C2SP_NOTE_TEXT = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u00e8 subito sera.\n"
C2SP_NOTE = (
    C2SP_NOTE_TEXT + "\n\u2014 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9o"
    "JKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)

# The example in the C2SP tlog-checkpoint specification (C2SP/C2SP
# tlog-checkpoint.md); again the key is not published.
C2SP_CHECKPOINT_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
C2SP_CHECKPOINT_NOTE = (
    C2SP_CHECKPOINT_TEXT + "\n\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7"
    "u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)

PETER = NoteVerifier.parse(PETER_VKEY)
ENOCH = NoteVerifier.parse(ENOCH_VKEY)


def _exactly(err: pytest.ExceptionInfo[NoteError], kind: type[NoteError]) -> None:
    assert type(err.value) is kind, f"{type(err.value).__name__}: {err.value}"
    message = str(err.value)
    assert "\n" not in message
    assert message.endswith(".")


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------


def test_published_verifier_key_parses() -> None:
    assert PETER.name == "PeterNeumann"
    assert PETER.key_id == 0xC74F20A3
    assert verifier_key(PETER.name, PETER.public_key) == PETER_VKEY
    assert key_id(PETER.name, PETER.public_key.public_bytes_raw()) == 0xC74F20A3


def test_published_private_key_round_trips() -> None:
    signer = NoteSigner.parse(PETER_SKEY)
    assert signer.name == "PeterNeumann"
    assert signer.key_id == 0xC74F20A3
    assert signer.verifier() == PETER
    assert private_signer_key(signer.name, signer.private_key) == PETER_SKEY
    assert verifier_key(signer.name, signer.private_key.public_key()) == PETER_VKEY


@pytest.mark.parametrize(("vkey", "skey"), FORMATS_KEY_PAIRS)
def test_published_key_pairs_match(vkey: str, skey: str) -> None:
    signer = NoteSigner.parse(skey)
    verifier = NoteVerifier.parse(vkey)
    assert signer.verifier() == verifier
    assert hash(signer.verifier()) == hash(verifier)
    assert verifier_key(signer.name, signer.private_key.public_key()) == vkey
    assert private_signer_key(signer.name, signer.private_key) == skey


def test_mangled_verifier_keys_are_rejected() -> None:
    # As TestNewVerifier in golang/mod sumdb/note/note_test.go: every proper
    # substring and every single-character change must fail to parse.
    b = PETER_VKEY
    for i in range(len(b) + 1):
        for j in range(i + 1, len(b) + 1):
            if (i, j) != (0, len(b)):
                with pytest.raises(NoteError):
                    NoteVerifier.parse(b[i:j])
    for i in range(len(b)):
        with pytest.raises(NoteError):
            NoteVerifier.parse(b[:i] + chr(ord(b[i]) + 1) + b[i + 1 :])
    # Wrong key length and unknown algorithm, each with an adjusted key id
    # (same file).
    for bad in [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ]:
        with pytest.raises(NoteError):
            NoteVerifier.parse(bad)
    with pytest.raises(NoteError, match="private"):
        NoteVerifier.parse(PETER_SKEY)


def test_mangled_signer_keys_are_rejected() -> None:
    # As TestNewSigner in golang/mod sumdb/note/note_test.go.
    b = PETER_SKEY
    for i in range(len(b) + 1):
        for j in range(i + 1, len(b) + 1):
            if (i, j) != (0, len(b)):
                with pytest.raises(NoteError):
                    NoteSigner.parse(b[i:j])
    for i in range(len(b)):
        with pytest.raises(NoteError):
            NoteSigner.parse(b[:i] + chr(ord(b[i]) + 1) + b[i + 1 :])


def test_verifier_construction_checks_the_key_id() -> None:
    with pytest.raises(NoteError, match="expected c74f20a3"):
        NoteVerifier("PeterNeumann", 0xC74F20A4, PETER.public_key)
    with pytest.raises(NoteError):
        NoteVerifier("Peter Neumann", PETER.key_id, PETER.public_key)
    with pytest.raises(NoteError):
        NoteVerifier("Peter+Neumann", PETER.key_id, PETER.public_key)
    with pytest.raises(NoteError):
        key_id("", PETER.public_key.public_bytes_raw())
    with pytest.raises(NoteError):
        key_id("PeterNeumann", b"\x00" * 31)
    with pytest.raises(NoteError):
        NoteSigner("", Ed25519PrivateKey.generate())


def test_verify_raw_signatures() -> None:
    signer = NoteSigner.parse(PETER_SKEY)
    sig = signer.sign(b"hi")
    assert PETER.verify(b"hi", sig)
    assert not PETER.verify(b"hj", sig)
    assert not PETER.verify(b"hi", bytes([sig[0] ^ 1]) + sig[1:])
    assert not PETER.verify(b"hi", sig[:-1])
    assert not ENOCH.verify(b"hi", sig)


# ---------------------------------------------------------------------------
# Signing and opening the published note
# ---------------------------------------------------------------------------


def test_sign_reproduces_published_note() -> None:
    # Ed25519 is deterministic, so the published private key must give the
    # published signature byte for byte (golang/mod sumdb/note/note_test.go,
    # TestSign).
    assert sign_note(TEXT, [NoteSigner.parse(PETER_SKEY)]) == SIGNED


def test_open_published_note() -> None:
    opened = open_note(SIGNED, [PETER])
    assert opened == OpenedNote(TEXT, (PETER,), ())


def test_open_with_one_known_and_one_unknown_key() -> None:
    # TestOpen, "Check one signature verified, one not" and "Check both verified".
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    opened = open_note(note, [PETER])
    assert opened.text == TEXT
    assert opened.verified_by == (PETER,)
    assert opened.unverified_lines == (ENOCH_SIG.rstrip("\n"),)
    both = open_note(note, [ENOCH, PETER])
    assert both.verified_by == (PETER, ENOCH)  # in line order
    assert both.unverified_lines == ()


def test_open_with_no_known_key_names_the_keys() -> None:
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    with pytest.raises(UnverifiedNoteError) as err:
        open_note(note, [])
    _exactly(err, UnverifiedNoteError)
    assert "PeterNeumann+c74f20a3" in str(err.value)
    assert "EnochRoot+af0cfe78" in str(err.value)
    with pytest.raises(UnverifiedNoteError) as err:
        open_note(SIGNED, [ENOCH])
    assert "PeterNeumann+c74f20a3" in str(err.value)
    assert "EnochRoot+af0cfe78" in str(err.value)


def test_duplicate_lines_are_collapsed() -> None:
    # TestOpen, "Duplicated verified and unverified signatures".
    raw = ENOCH_SIG.encode()
    enoch_abcd = (raw[:60] + b"ABCD" + raw[60:]).decode()
    note = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd
    opened = open_note(note, [PETER])
    assert opened.verified_by == (PETER,)
    assert opened.unverified_lines == (ENOCH_SIG.rstrip("\n"), enoch_abcd.rstrip("\n"))


def test_duplicate_verifiers_are_harmless_but_colliding_ones_are_refused() -> None:
    # Go's VerifierList calls even identical duplicates "ambiguous"; here the same
    # key given twice is one key.  Two *different* keys with the same name and id
    # (a 32-bit collision; forged below by skipping validation) are refused.
    assert open_note(SIGNED, [ENOCH, PETER, ENOCH, PETER]).verified_by == (PETER,)
    impostor = object.__new__(NoteVerifier)
    object.__setattr__(impostor, "name", PETER.name)
    object.__setattr__(impostor, "key_id", PETER.key_id)
    object.__setattr__(impostor, "public_key", ENOCH.public_key)
    with pytest.raises(NoteError) as err:
        open_note(SIGNED, [PETER, impostor])
    _exactly(err, NoteError)


def test_invalid_signature_from_known_key() -> None:
    # TestOpen, "Invalid signature": four characters inserted into the base64.
    raw = PETER_SIG.encode()
    bad = (raw[:60] + b"ABCD" + raw[60:]).decode()
    with pytest.raises(BadSignatureError) as err:
        open_note(TEXT + "\n" + bad, [PETER])
    _exactly(err, BadSignatureError)
    assert "PeterNeumann+c74f20a3" in str(err.value)


def _with_blob(line: str, change: int) -> str:
    """The signature line with byte ``change`` of key id || signature flipped."""
    prefix, b64 = line.rstrip("\n").rsplit(" ", 1)
    blob = bytearray(base64.b64decode(b64))
    blob[change] ^= 0x01
    return f"{prefix} {base64.b64encode(bytes(blob)).decode()}\n"


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        # One byte of the text changed.
        (SIGNED.replace("cryptography", "cryptographY"), BadSignatureError),
        (SIGNED.replace("think", "th1nk"), BadSignatureError),
        # One byte of the signature changed (after the 4-byte key id).
        (TEXT + "\n" + _with_blob(PETER_SIG, 10), BadSignatureError),
        (TEXT + "\n" + _with_blob(PETER_SIG, 67), BadSignatureError),
        # Wrong key name or key id: the line is from a key we do not know.
        (TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "PeterNeuman"), UnverifiedNoteError),
        (TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "CarmenSandiego"), UnverifiedNoteError),
        (TEXT + "\n" + _with_blob(PETER_SIG, 0), UnverifiedNoteError),
        (TEXT + "\n" + _with_blob(PETER_SIG, 3), UnverifiedNoteError),
        (TEXT + "\n" + PETER_SIG.replace("x08g", "xxxx"), UnverifiedNoteError),
        # Missing blank line.
        (TEXT + PETER_SIG, NoteError),
        # Extra trailing text (the last of TestOpen's badMsgs), or no final newline.
        (SIGNED + "Unexpected line.\n", NoteError),
        (SIGNED + "Unexpected", NoteError),
        (SIGNED + "\n", NoteError),
        # The rest of TestOpen's badMsgs.
        (TEXT, NoteError),
        (TEXT + "\n", NoteError),
        (TEXT + "\n" + PETER_SIG[:-1], NoteError),
        ("\x01" + SIGNED, NoteError),
        ("\udcff" + SIGNED, NoteError),  # Go's "\xff": not valid UTF-8
        (
            TEXT + "\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgK"
            "vqfqdngotpRZb6KE6RyyBwJnAM=",
            NoteError,
        ),
        # Other malformations.
        (TEXT + "\n" + PETER_SIG.replace("\u2014 ", "- "), NoteError),
        (TEXT + "\n" + PETER_SIG.replace("\u2014 ", "\u2014"), NoteError),
        (TEXT + "\n" + PETER_SIG.replace("=\n", "\n"), NoteError),  # bad padding
        (TEXT + "\n" + "\u2014 PeterNeumann AAAA\n", NoteError),  # too short
        (TEXT + "\n" + "\u2014 PeterNeumann \n", NoteError),
        (TEXT + "\n" + "\u2014  x08g\n", NoteError),
        (SIGNED.replace("\n", "\r\n"), NoteError),
        (SIGNED.replace(" answer", "\tanswer"), NoteError),
        (TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1), NoteError),
    ],
)
def test_altered_notes_are_rejected(note: str, kind: type[NoteError]) -> None:
    with pytest.raises(NoteError) as err:
        open_note(note, [PETER])
    _exactly(err, kind)


def test_signature_over_text_with_blank_lines() -> None:
    signer = NoteSigner.parse(PETER_SKEY)
    text = "first\n\n\nafter two empty lines\n\n"
    opened = open_note(sign_note(text, [signer]), [PETER])
    assert opened.text == text


def test_sign_rejects_bad_input() -> None:
    signer = NoteSigner.parse(PETER_SKEY)
    for text in ["", "abc", "abc\r\n", "a\x00b\n", "\udcff\n"]:
        with pytest.raises(NoteError) as err:
            sign_note(text, [signer])
        _exactly(err, NoteError)
    with pytest.raises(NoteError):
        sign_note(TEXT, [])
    with pytest.raises(NoteError):
        sign_note(TEXT, [signer, NoteSigner.parse(PETER_SKEY)])


def test_sign_with_several_keys_in_order() -> None:
    peter = NoteSigner.parse(PETER_SKEY)
    others = [NoteSigner.parse(skey) for _, skey in FORMATS_KEY_PAIRS]
    note = sign_note(TEXT, [peter, *others])
    assert note.startswith(SIGNED)
    opened = open_note(note, [o.verifier() for o in reversed(others[:2])])
    assert opened.verified_by == (others[0].verifier(), others[1].verifier())
    assert len(opened.unverified_lines) == 3


# ---------------------------------------------------------------------------
# Checkpoints
# ---------------------------------------------------------------------------


def test_published_sumdb_checkpoint() -> None:
    sumdb = NoteVerifier.parse(SUMDB_VKEY)
    opened = open_note(SUMDB_NOTE, [sumdb])
    assert opened.verified_by == (sumdb,)
    cp = Checkpoint.parse(opened.text)
    assert cp.origin == "go.sum database tree"
    assert cp.size == 6476701
    assert cp.root_hash == base64.b64decode("mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=")
    assert cp.extensions == ()
    assert cp.to_text() == SUMDB_TEXT
    with pytest.raises(BadSignatureError):
        open_note(SUMDB_NOTE.replace("6476701", "6476702"), [sumdb])


def test_published_sumdb_checkpoint_with_cosignatures() -> None:
    sumdb = NoteVerifier.parse(SUMDB_VKEY)
    witnesses = [NoteVerifier.parse(k) for k in WITNESS_VKEYS]
    note = SUMDB_NOTE + "".join(line + "\n" for line in WITNESS_SIGS)
    opened = open_note(note, [sumdb, *witnesses])
    assert opened.verified_by == (sumdb, *witnesses)
    assert opened.unverified_lines == tuple(WITNESS_SIGS[3:])
    # A witness alone is enough for open_note; the caller decides whose
    # signatures it needs.
    only = open_note(note, witnesses[2:])
    assert only.verified_by == (witnesses[2],)
    assert len(only.unverified_lines) == 5


def test_c2sp_example_note_parses_but_is_unverified() -> None:
    with pytest.raises(UnverifiedNoteError) as err:
        open_note(C2SP_NOTE, [PETER])
    assert "quasimodo.example/salvatore" in str(err.value)
    # Its text (with an empty line inside) is what a known key would have signed.
    signed_again = sign_note(C2SP_NOTE_TEXT, [NoteSigner.parse(PETER_SKEY)])
    assert open_note(signed_again, [PETER]).text == C2SP_NOTE_TEXT


def test_c2sp_example_checkpoint() -> None:
    cp = Checkpoint.parse(C2SP_CHECKPOINT_TEXT)
    assert cp == Checkpoint(
        "example.com/behind-the-sofa",
        20852163,
        base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="),
    )
    assert cp.to_text() == C2SP_CHECKPOINT_TEXT
    with pytest.raises(UnverifiedNoteError) as err:
        open_note(C2SP_CHECKPOINT_NOTE, [PETER])
    assert "example.com/behind-the-sofa" in str(err.value)


ROOT64 = "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk="


@pytest.mark.parametrize(
    "text",
    [
        # Invalid cases of TestUnmarshalLogState, transparency-dev/formats
        # log/checkpoint_test.go.
        "Head\n9944\n",
        "\n9944\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n",
        "Log\n123\nYmFuYW5hcw==",
        "Log\nbananas\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n",
        "Log\n-34\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n",
        "Log\n3438945738945739845734895735\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n",
        "Log\n123\nThisIsn'tBase64\n",
        # The same file's "valid" cases use short test hashes, and one has empty
        # trailing lines; tlog-checkpoint needs a 32-byte SHA-256 root and
        # non-empty extension lines, so these are rejected here.
        "Log\n123\nYmFuYW5hcw==\n",
        "Log\n9944\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\nHere's some data.\n",
        f"Log\n9944\n{ROOT64}\n\n\n\n",
        # Our own: size syntax and range.
        f"Log\n01\n{ROOT64}\n",
        f"Log\n00\n{ROOT64}\n",
        f"Log\n+1\n{ROOT64}\n",
        f"Log\n-0\n{ROOT64}\n",
        f"Log\n 1\n{ROOT64}\n",
        f"Log\n1 \n{ROOT64}\n",
        f"Log\n1_000\n{ROOT64}\n",
        f"Log\n\u0661\n{ROOT64}\n",  # ARABIC-INDIC DIGIT ONE
        f"Log\n0x10\n{ROOT64}\n",
        f"Log\n\n{ROOT64}\n",
        f"Log\n9223372036854775808\n{ROOT64}\n",  # 2**63
        f"Log\n{'9' * 5000}\n{ROOT64}\n",
        # Root syntax: missing padding, URL-safe alphabet, non-canonical bits,
        # wrong length, whitespace.
        f"Log\n1\n{ROOT64.rstrip('=')}\n",
        "Log\n1\n" + base64.urlsafe_b64encode(b"\xfb" * 32).decode() + "\n",
        f"Log\n1\n{ROOT64[:-2]}l=\n",
        "Log\n1\n" + base64.b64encode(b"\x00" * 31).decode() + "\n",
        "Log\n1\n" + base64.b64encode(b"\x00" * 33).decode() + "\n",
        f"Log\n1\n {ROOT64}\n",
        # Structure and characters.
        f"Log\n1\n{ROOT64}\n\nextension after empty line\n",
        f"Log\n1\n{ROOT64}",
        f"Log\r\n1\n{ROOT64}\n",
        f"Lo\x00g\n1\n{ROOT64}\n",
        "",
        "\n",
    ],
)
def test_bad_checkpoints_are_rejected(text: str) -> None:
    with pytest.raises(NoteError) as err:
        Checkpoint.parse(text)
    _exactly(err, NoteError)


def test_checkpoint_extremes_and_extensions() -> None:
    root = b"\x07" * 32
    top = Checkpoint.parse(f"Log\n9223372036854775807\n{base64.b64encode(root).decode()}\n")
    assert top.size == 2**63 - 1
    empty = Checkpoint("Log", 0, root)
    assert empty.to_text().split("\n")[1] == "0"
    with_ext = Checkpoint("my log with spaces", 5, root, ("ext one", "\u00e9t\u00e9"))
    assert Checkpoint.parse(with_ext.to_text()) == with_ext
    assert with_ext.to_text().endswith("ext one\n\u00e9t\u00e9\n")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": ""},
        {"origin": "two\nlines"},
        {"origin": "tab\there"},
        {"size": -1},
        {"size": 2**63},
        {"size": True},
        {"root_hash": b"\x00" * 31},
        {"root_hash": "00" * 32},
        {"extensions": ("",)},
        {"extensions": ("a\nb",)},
        {"extensions": ["a list"]},
    ],
)
def test_bad_checkpoint_values_are_rejected(kwargs: dict[str, object]) -> None:
    values: dict[str, object] = {"origin": "Log", "size": 1, "root_hash": b"\x00" * 32}
    values.update(kwargs)
    with pytest.raises(NoteError):
        Checkpoint(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

# Note text characters: any Unicode scalar value except ASCII controls (newline
# is added separately) and lone surrogates.
line_chars = st.characters(min_codepoint=0x20, exclude_categories=["Cs"])
lines = st.text(line_chars, min_size=1, max_size=40)
SIGNER = NoteSigner("copro.test/ledger", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
WITNESS = NoteSigner("copro.test/witness", Ed25519PrivateKey.from_private_bytes(bytes(32)))


@given(
    origin=lines,
    size=st.integers(min_value=0, max_value=2**63 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(lines, max_size=3),
)
def test_checkpoint_round_trip(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    cp = Checkpoint(origin, size, root, tuple(extensions))
    text = cp.to_text()
    assert Checkpoint.parse(text) == cp
    note = sign_note(text, [SIGNER, WITNESS])
    opened = open_note(note, [SIGNER.verifier()])
    assert Checkpoint.parse(opened.text) == cp
    assert opened.unverified_lines == (note.rstrip("\n").rsplit("\n", 1)[1],)


@given(st.lists(st.one_of(lines, st.just("")), min_size=1, max_size=6), st.data())
def test_any_text_signs_opens_and_detects_edits(text_lines: list[str], data: st.DataObject) -> None:
    text = "".join(line + "\n" for line in text_lines)
    note = sign_note(text, [SIGNER])
    assert open_note(note, [SIGNER.verifier(), WITNESS.verifier()]).text == text
    # Change one character of the text: the signature no longer verifies, or (if
    # the edit moved the last blank line) the note no longer parses.
    i = data.draw(st.integers(0, len(text) - 1), label="position")
    replacement = data.draw(line_chars.filter(lambda c: c != text[i]), label="char")
    edited = text[:i] + replacement + text[i + 1 :] + note[len(text) :]
    with pytest.raises(NoteError):
        open_note(edited, [SIGNER.verifier()])
