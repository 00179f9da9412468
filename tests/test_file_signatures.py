"""Report signatures checked by the funder's own tools: real openssl, ssh-keygen and minisign.

Every check here runs the binaries a funder has (OpenSSL 3, OpenSSH, minisign) on a
folder written by ``sign_folder``, and the pure-Python ``verify_folder`` beside them:
what one accepts the others accept, and a one-byte change, another key or a swapped key
file is refused by all of them. Known answers pin the formats: RFC 8032 test vector 1
for the raw signature, and byte-for-byte equality with what ``ssh-keygen -Y sign`` and
``minisign -S`` write for the same key (Ed25519 is deterministic).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.log.file_signatures import (
    ALLOWED_SIGNERS,
    ALLOWED_SIGNERS_OPENSSH_8_1,
    KEY_FILE_NAMES,
    KEY_MINISIGN,
    KEY_PEM,
    KEY_SSH,
    NAMESPACE,
    SIGNATURE_SUFFIXES,
    VERIFY_TXT,
    SignedFilesError,
    key_files,
    minisign_key_id,
    sign_file,
    sign_folder,
    verify_folder,
)
from tests.services import missing

PRINCIPAL = "report@test.copro.localhost"
ORIGIN = "test.copro.localhost/ledger"
NAMES = ["report.json", "report.html", "report.pdf"]
FIRST_DAY = date(2026, 1, 1)

# RFC 8032 section 7.1, TEST 1: the empty message.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)
# RFC 8032 section 7.1, TEST 2: the one-byte message 0x72.
RFC8032_2_SECRET = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
RFC8032_2_SIGNATURE = bytes.fromhex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
)


def tool(name: str) -> str:
    """The path of a funder's tool; missing fails under COPRO_REQUIRE_SERVICES=1, else skips."""
    found = shutil.which(name)
    if not found:
        missing(f"{name} is not installed (apt-get install {'openssh-client' if name == 'ssh-keygen' else name})")
    assert found
    return found


def run(args: list[str], folder: Path, *, stdin: Path | None = None) -> subprocess.CompletedProcess[str]:
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as given:
        return subprocess.run(args, cwd=folder, stdin=given, capture_output=True, text=True, check=False)


def openssl_verify(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    return run(
        [
            tool("openssl"),
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            KEY_PEM,
            "-rawin",
            "-in",
            name,
            "-sigfile",
            f"{name}.sig",
        ],
        folder,
    )


def ssh_verify(folder: Path, name: str, signers: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(
        [
            tool("ssh-keygen"),
            "-Y",
            "verify",
            "-f",
            signers,
            "-I",
            PRINCIPAL,
            "-n",
            NAMESPACE,
            "-s",
            f"{name}.sshsig",
            *extra,
        ],
        folder,
        stdin=folder / name,
    )


def minisign_verify(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    return run([tool("minisign"), "-Vm", name, "-p", KEY_MINISIGN], folder)


def all_tools(folder: Path, name: str) -> dict[str, subprocess.CompletedProcess[str]]:
    return {
        "openssl": openssl_verify(folder, name),
        "ssh-keygen, allowed_signers": ssh_verify(folder, name, ALLOWED_SIGNERS),
        "ssh-keygen, allowed_signers.openssh-8.1": ssh_verify(folder, name, ALLOWED_SIGNERS_OPENSSH_8_1),
        "minisign": minisign_verify(folder, name),
    }


def write_reports(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_bytes(b'{"decisions":3,"groups":["lived experience","researchers"]}')
    (folder / "report.html").write_text(
        "<!doctype html>\r\n<title>Report</title>\n<p>Caf\u00e9 \u2014 3 decisions</p>\n"
    )
    (folder / "report.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")


def signed_folder(folder: Path, key: Ed25519PrivateKey, *, valid_before: date | None = None) -> Path:
    write_reports(folder)
    sign_folder(
        folder, NAMES, key, principal=PRINCIPAL, valid_after=FIRST_DAY, valid_before=valid_before, origin=ORIGIN
    )
    return folder


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def folder(tmp_path: Path, key: Ed25519PrivateKey) -> Path:
    return signed_folder(tmp_path / "report", key)


def test_every_signature_verifies_with_openssl_ssh_keygen_minisign_and_verify_folder(
    folder: Path, key: Ed25519PrivateKey
) -> None:
    for name in NAMES:
        for what, result in all_tools(folder, name).items():
            assert result.returncode == 0, f"{what} refused {name}: {result.stdout}{result.stderr}"
        assert f'Good "{NAMESPACE}" signature for {PRINCIPAL}' in ssh_verify(folder, name, ALLOWED_SIGNERS).stdout
        assert f"Trusted comment: copro report file {name} from {ORIGIN}" in minisign_verify(folder, name).stdout
    assert verify_folder(folder, NAMES, key.public_key()) == []


def test_sign_folder_returns_every_name_it_wrote(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    write_reports(tmp_path)
    before = set(os.listdir(tmp_path))
    written = sign_folder(
        tmp_path, NAMES, key, principal=PRINCIPAL, valid_after=FIRST_DAY, valid_before=None, origin=ORIGIN
    )
    expected = {n + s for n in NAMES for s in SIGNATURE_SUFFIXES} | set(KEY_FILE_NAMES) | {VERIFY_TXT}
    assert set(written) == expected == set(os.listdir(tmp_path)) - before


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_one_byte_change_to_any_file_fails_every_check(
    folder: Path, key: Ed25519PrivateKey, name: str, where: str
) -> None:
    data = bytearray((folder / name).read_bytes())
    at = {"first": 0, "middle": len(data) // 2, "last": len(data) - 1}[where]
    data[at] ^= 0x01
    (folder / name).write_bytes(bytes(data))
    for what, result in all_tools(folder, name).items():
        assert result.returncode != 0, f"{what} accepted {name} after a one-byte change"
    problems = verify_folder(folder, NAMES, key.public_key())
    assert sorted(problems) == sorted(
        f"{name}{suffix} does not match {name}: the file or its signature was changed after signing."
        if suffix != ".sig"
        else f"{name}.sig does not verify: {name} or its signature was changed after signing, or another key signed it."
        for suffix in SIGNATURE_SUFFIXES
    )
    for other in set(NAMES) - {name}:  # the other files still verify with every tool
        assert all(r.returncode == 0 for r in all_tools(folder, other).values())


def test_signatures_by_another_key_fail_every_check(folder: Path, key: Ed25519PrivateKey, tmp_path: Path) -> None:
    forger = signed_folder(tmp_path / "forged", Ed25519PrivateKey.generate())
    for name in NAMES:
        for suffix in SIGNATURE_SUFFIXES:
            shutil.copy(forger / (name + suffix), folder / (name + suffix))
    for name in NAMES:
        for what, result in all_tools(folder, name).items():
            assert result.returncode != 0, f"{what} accepted {name} signed by another key"
        assert "key id" in minisign_verify(folder, name).stderr  # minisign names the mismatch
    problems = verify_folder(folder, NAMES, key.public_key())
    assert len(problems) == 3 * len(NAMES)
    assert "report.json.sshsig was made by a different key from the report key." in problems
    assert "report.pdf.minisig was made by a different key from the report key." in problems


@pytest.mark.parametrize("key_file", KEY_FILE_NAMES)
def test_verify_folder_catches_a_swapped_key_file(
    folder: Path, key: Ed25519PrivateKey, tmp_path: Path, key_file: str
) -> None:
    other = signed_folder(tmp_path / "other", Ed25519PrivateKey.generate())
    shutil.copy(other / key_file, folder / key_file)
    assert verify_folder(folder, NAMES, key.public_key()) == [f"{key_file} holds a different key from the report key."]


def test_a_whole_folder_by_another_key_is_refused_against_the_expected_key(
    folder: Path, tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    """Files that agree with each other prove nothing unless the key is the trusted one."""
    forged = signed_folder(tmp_path / "forged", Ed25519PrivateKey.generate())
    assert all(r.returncode == 0 for r in all_tools(forged, "report.json").values())  # consistent in itself
    problems = verify_folder(forged, NAMES, key.public_key())
    assert len(problems) == len(KEY_FILE_NAMES) + 3 * len(NAMES)


def test_raw_signature_is_rfc_8032_test_vector_1() -> None:
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert raw_public == RFC8032_PUBLIC
    signed = sign_file(b"", key, namespace=NAMESPACE, trusted_comment="t", key_id=minisign_key_id(key.public_key()))
    assert signed[".sig"] == RFC8032_SIGNATURE


def test_raw_signature_is_rfc_8032_test_vector_2_and_openssl_accepts_it(tmp_path: Path) -> None:
    """Vector 2 (one byte, 0x72): OpenSSL 3.0's pkeyutl cannot read an empty -in file, so not vector 1."""
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_2_SECRET)
    signed = sign_file(b"\x72", key, namespace=NAMESPACE, trusted_comment="t", key_id=bytes(8))
    assert signed[".sig"] == RFC8032_2_SIGNATURE
    (tmp_path / "message").write_bytes(b"\x72")
    (tmp_path / "message.sig").write_bytes(signed[".sig"])
    (tmp_path / KEY_PEM).write_bytes(
        key_files(key.public_key(), principal=PRINCIPAL, valid_after=FIRST_DAY, valid_before=None)[KEY_PEM]
    )
    result = openssl_verify(tmp_path, "message")
    assert result.returncode == 0 and "Signature Verified Successfully" in result.stdout


def test_sshsig_equals_what_ssh_keygen_signs_byte_for_byte(
    folder: Path, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    private = tmp_path / "id_ed25519"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    )
    private.chmod(0o600)
    for name in NAMES:
        theirs = tmp_path / "theirs" / name
        theirs.parent.mkdir(exist_ok=True)
        shutil.copy(folder / name, theirs)
        result = run([tool("ssh-keygen"), "-Y", "sign", "-f", str(private), "-n", NAMESPACE, str(theirs)], tmp_path)
        assert result.returncode == 0, result.stderr
        made = theirs.with_name(name + ".sig").read_bytes()  # ssh-keygen's own name for it
        assert made == (folder / (name + ".sshsig")).read_bytes()
        (folder / (name + ".sshsig")).write_bytes(made)
    assert verify_folder(folder, NAMES, key.public_key()) == []


def minisign_secret_key(key: Ed25519PrivateKey) -> str:
    """The key as an unencrypted minisign secret key file (kdf "\\0\\0", what ``minisign -G -W`` writes)."""
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = minisign_key_id(key.public_key())
    checksum = hashlib.blake2b(b"Ed" + key_id + seed + public, digest_size=32).digest()
    body = b"Ed" + b"\0\0" + b"B2" + bytes(32) + bytes(8) + bytes(8) + key_id + seed + public + checksum
    return "untrusted comment: minisign unencrypted secret key\n" + base64.b64encode(body).decode() + "\n"


def test_minisig_equals_what_minisign_signs_byte_for_byte(folder: Path, key: Ed25519PrivateKey, tmp_path: Path) -> None:
    secret = tmp_path / "minisign.key"
    secret.write_text(minisign_secret_key(key))
    for name in NAMES:
        out = tmp_path / (name + ".theirs.minisig")
        trusted = f"copro report file {name} from {ORIGIN}"
        result = run(
            [
                tool("minisign"),
                "-S",
                "-s",
                str(secret),
                "-p",
                str(folder / KEY_MINISIGN),
                "-m",
                str(folder / name),
                "-x",
                str(out),
                "-c",
                "signature from the copro report key",
                "-t",
                trusted,
            ],
            tmp_path,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert out.read_bytes() == (folder / (name + ".minisig")).read_bytes()


def test_the_minisign_public_key_names_the_derived_key_id(key: Ed25519PrivateKey) -> None:
    public = key.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = hashlib.sha256(b"copro minisign key id\n" + raw).digest()[:8]
    assert minisign_key_id(public) == key_id
    text = key_files(public, principal=PRINCIPAL, valid_after=FIRST_DAY, valid_before=None)[KEY_MINISIGN].decode()
    comment, body = text.splitlines()
    assert comment == f"untrusted comment: minisign public key {int.from_bytes(key_id, 'little'):X}"
    assert base64.b64decode(body) == b"Ed" + key_id + raw


def test_the_openssh_8_1_file_has_only_options_openssh_8_1_knows(folder: Path) -> None:
    """OpenSSH 8.1's sshsigopt_parse knows cert-authority and namespaces, nothing else."""
    old = (folder / ALLOWED_SIGNERS_OPENSSH_8_1).read_text()
    new = (folder / ALLOWED_SIGNERS).read_text()
    assert old.split(" ", 2)[1] == f'namespaces="{NAMESPACE}"'
    assert new.split(" ", 2)[1] == f'namespaces="{NAMESPACE}",valid-after="20260101"'
    assert old.split(" ", 2)[2] == new.split(" ", 2)[2]  # the same key
    assert "valid" not in old


def test_ssh_keygen_reads_the_validity_dates(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    folder = signed_folder(tmp_path, key, valid_before=date(2026, 6, 1))
    assert 'valid-before="20260601"' in (folder / ALLOWED_SIGNERS).read_text()
    early = ssh_verify(folder, "report.json", ALLOWED_SIGNERS, "-Overify-time=20251231")
    assert early.returncode != 0 and "not yet valid" in early.stderr
    late = ssh_verify(folder, "report.json", ALLOWED_SIGNERS, "-Overify-time=20260602")
    assert late.returncode != 0 and "expired" in late.stderr
    assert ssh_verify(folder, "report.json", ALLOWED_SIGNERS, "-Overify-time=20260301").returncode == 0
    # The OpenSSH 8.1 file has no dates, so it accepts the key on any day.
    assert ssh_verify(folder, "report.json", ALLOWED_SIGNERS_OPENSSH_8_1, "-Overify-time=20270101").returncode == 0


def section(text: str, heading: str, after: str) -> list[str]:
    """The indented command lines under ``heading`` that follow the line ``after``."""
    lines = text.splitlines()
    start = lines.index(after)
    at = lines.index(heading, start)
    commands = []
    for line in lines[at + 1 :]:
        if not line.startswith("    "):
            break
        commands.append(line.strip())
    return commands


@pytest.mark.parametrize("valid_before", [None, date(2026, 6, 1)])
def test_verify_txt_linux_commands_run_as_written(
    tmp_path: Path, key: Ed25519PrivateKey, valid_before: date | None
) -> None:
    folder = signed_folder(tmp_path, key, valid_before=valid_before)
    text = (folder / VERIFY_TXT).read_text()
    commands = [
        *section(text, "Linux and macOS:", "A. ssh-keygen (part of OpenSSH)"),
        *section(text, "Linux:", "B. openssl (OpenSSL 3 or newer)"),
        *section(text, "Linux and macOS:", "C. minisign"),
    ]
    if valid_before is not None:  # a retired key: checked as of a day it was in use
        commands += section(text, "use, like this:", "A. ssh-keygen (part of OpenSSH)")
    assert len(commands) == (4 if valid_before else 3) * len(NAMES)
    for command in commands:
        if valid_before is not None and "-Overify-time" not in command and command.startswith("ssh-keygen"):
            continue  # today is after the key's last day: only the dated form applies
        result = subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    (folder / "report.json").write_bytes(b"{}")
    for command in [c for c in commands if " report.json" in c]:
        result = subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True, text=True, check=False)
        assert result.returncode != 0, f"{command} accepted a changed file"


def test_verify_txt_gives_windows_the_cmd_form_and_windows_10_the_openssh_8_1_file(folder: Path) -> None:
    text = (folder / VERIFY_TXT).read_text()
    eleven = section(text, "Windows 11 (in Terminal, PowerShell or Command Prompt):", "A. ssh-keygen (part of OpenSSH)")
    ten = section(text, "Windows 10 (in Command Prompt or PowerShell):", "A. ssh-keygen (part of OpenSSH)")
    assert len(eleven) == len(ten) == len(NAMES)
    for name, win11, win10 in zip(NAMES, eleven, ten, strict=True):
        assert re.fullmatch(
            rf'cmd /c "ssh-keygen -Y verify -f allowed_signers -I \S+ -n {NAMESPACE} -s {name}.sshsig < {name}"', win11
        )
        assert win10 == win11.replace("-f allowed_signers ", "-f allowed_signers.openssh-8.1 ")
    assert "|" not in "\n".join(eleven + ten)  # no PowerShell pipe anywhere near ssh-keygen
    fingerprint = run([tool("ssh-keygen"), "-l", "-f", KEY_SSH], folder).stdout.split()[1]
    assert f"SSH fingerprint:   {fingerprint}" in text
    assert "Git for Windows" in text and "github.com/jedisct1/minisign/releases" in text and "brew install" in text


def one_key_character_changed(content: bytes) -> bytes:
    """Change one character in the middle of the file's longest base64 run (or one byte of a binary file)."""
    runs = list(re.finditer(rb"[A-Za-z0-9+/]{40,}", content))
    if not runs:
        return content[:10] + bytes([content[10] ^ 1]) + content[11:]
    at = max(runs, key=lambda m: len(m[0])).start() + 20
    return content[:at] + (b"B" if content[at : at + 1] == b"A" else b"A") + content[at + 1 :]


GARBLED: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda b: b"",
    "truncated": lambda b: b[: len(b) // 2],
    "binary": lambda b: bytes(range(256)),
    "one key character changed": one_key_character_changed,
    "text": lambda b: b"hello\nworld\n",
}
SIGNATURE_AND_KEY_FILES = [f"report.json{s}" for s in SIGNATURE_SUFFIXES] + list(KEY_FILE_NAMES)


@pytest.mark.parametrize("damage", GARBLED)
@pytest.mark.parametrize("target", SIGNATURE_AND_KEY_FILES)
def test_a_garbled_signature_or_key_file_gives_a_sentence_naming_it(
    folder: Path, key: Ed25519PrivateKey, target: str, damage: str
) -> None:
    path = folder / target
    path.write_bytes(GARBLED[damage](path.read_bytes()))
    problems = verify_folder(folder, NAMES, key.public_key())
    assert problems, f"{damage} {target} was accepted"
    assert all(p.startswith(target + " ") and p.endswith(".") and "\n" not in p for p in problems), problems


@pytest.mark.parametrize("target", [*SIGNATURE_AND_KEY_FILES, "report.pdf", VERIFY_TXT])
def test_a_missing_file_is_named(folder: Path, key: Ed25519PrivateKey, target: str) -> None:
    (folder / target).unlink()
    problems = verify_folder(folder, NAMES, key.public_key())
    assert problems and problems[0].startswith(f"{target} is missing")
    if target == "report.pdf":
        assert problems == ["report.pdf is missing."]


def test_verify_folder_refuses_bad_names_and_a_missing_folder(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    public = key.public_key()
    assert verify_folder(tmp_path / "nowhere", NAMES, public) == [f"{tmp_path / 'nowhere'} is not a folder."]
    assert verify_folder(tmp_path, [], public) == ["No report files were named to sign or check."]
    assert verify_folder(tmp_path, ["../etc/passwd"], public)[0].startswith("'../etc/passwd' is not a plain file name")
    assert verify_folder(tmp_path, [KEY_PEM], public) == [
        f"{KEY_PEM} is the name of a key or signature file, not of a report file."
    ]


def test_a_changed_trusted_comment_is_caught_by_minisign_and_verify_folder(
    folder: Path, key: Ed25519PrivateKey
) -> None:
    path = folder / "report.json.minisig"
    path.write_text(path.read_text().replace("from test.copro", "from evil.copro"))
    assert minisign_verify(folder, "report.json").returncode != 0
    assert verify_folder(folder, NAMES, key.public_key()) == [
        "report.json.minisig has a trusted comment that was changed after it was signed."
    ]


def test_an_allowed_signers_file_with_a_newer_option_is_refused_as_the_openssh_8_1_file(
    folder: Path, key: Ed25519PrivateKey
) -> None:
    shutil.copy(folder / ALLOWED_SIGNERS, folder / ALLOWED_SIGNERS_OPENSSH_8_1)
    assert verify_folder(folder, NAMES, key.public_key()) == [
        f"{ALLOWED_SIGNERS_OPENSSH_8_1} uses the option valid-after, which OpenSSH 8.1 (Windows 10) does not know, "
        "so it would reject the file."
    ]


Bad = tuple[str, dict[str, object], str]
BAD_SIGNING: list[Bad] = [
    ("missing file", {"names": ["report.json", "absent.pdf"]}, "absent.pdf does not exist, so it cannot be signed."),
    ("empty file", {"names": ["empty.json"]}, "empty.json is empty: OpenSSL 3.0 cannot check a signature on an"),
    ("path, not a name", {"names": ["../report.json"]}, "'../report.json' is not a plain file name"),
    ("option-like name", {"names": ["-report.json"]}, "'-report.json' is not a plain file name"),
    ("signature name", {"names": ["report.json.sig"]}, "report.json.sig is the name of a key or signature file"),
    ("twice", {"names": ["report.json", "report.json"]}, "A report file is named more than once."),
    ("nothing", {"names": []}, "No report files were named to sign or check."),
    ("principal with a space", {"principal": "a b"}, "The signer's name 'a b' cannot go in an allowed_signers file"),
    ("principal pattern", {"principal": "*@x"}, "The signer's name '*@x' cannot go in an allowed_signers file"),
    ("origin on two lines", {"origin": "a\nb"}, "The ledger's origin must be one line of text, without line breaks."),
    ("inverted dates", {"valid_before": date(2025, 1, 1)}, "The key's last day (2025-01-01) must come after its first"),
]


@pytest.mark.parametrize(("change", "sentence"), [(b[1], b[2]) for b in BAD_SIGNING], ids=[b[0] for b in BAD_SIGNING])
def test_bad_input_to_sign_folder_is_one_sentence_and_writes_nothing(
    tmp_path: Path, key: Ed25519PrivateKey, change: dict[str, object], sentence: str
) -> None:
    write_reports(tmp_path)
    (tmp_path / "empty.json").write_bytes(b"")
    before = sorted(os.listdir(tmp_path))
    arguments: dict[str, object] = {
        "names": NAMES,
        "principal": PRINCIPAL,
        "valid_after": FIRST_DAY,
        "valid_before": None,
        "origin": ORIGIN,
        **change,
    }
    names = arguments.pop("names")
    assert isinstance(names, list)
    with pytest.raises(SignedFilesError) as raised:
        sign_folder(tmp_path, names, key, **arguments)  # type: ignore[arg-type]
    message = raised.value.diagnostics()
    assert message.startswith(re.sub(r"^(absent.pdf|empty.json)", lambda m: str(tmp_path / m[1]), sentence))
    assert message.endswith(".") and "\n" not in message and raised.value.exit_code == 2
    assert sorted(os.listdir(tmp_path)) == before


def test_sign_file_refuses_a_bad_key_id_or_comment(key: Ed25519PrivateKey) -> None:
    with pytest.raises(SignedFilesError, match=r"A minisign key id is 8 bytes\."):
        sign_file(b"x", key, namespace=NAMESPACE, trusted_comment="t", key_id=b"short")
    with pytest.raises(SignedFilesError, match="one line of text"):
        sign_file(b"x", key, namespace=NAMESPACE, trusted_comment="a\rb", key_id=bytes(8))
    with pytest.raises(SignedFilesError, match="namespace"):
        sign_file(b"x", key, namespace="", trusted_comment="t", key_id=bytes(8))


def test_signing_is_deterministic(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    one = signed_folder(tmp_path / "one", key)
    two = signed_folder(tmp_path / "two", key)
    for name in os.listdir(one):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_an_ssh_signature_in_another_namespace_is_refused(folder: Path, key: Ed25519PrivateKey) -> None:
    """The same key signing the same file for git ("git") must not pass as a report signature."""
    data = (folder / "report.json").read_bytes()
    other = sign_file(data, key, namespace="git", trusted_comment="t", key_id=minisign_key_id(key.public_key()))
    (folder / "report.json.sshsig").write_bytes(other[".sshsig"])
    assert ssh_verify(folder, "report.json", ALLOWED_SIGNERS).returncode != 0
    assert verify_folder(folder, NAMES, key.public_key()) == [
        "report.json.sshsig is not a valid signature file: its namespace is 'git', expected 'copro-report'."
    ]


def test_a_minisign_public_key_with_another_key_id_is_refused(folder: Path, key: Ed25519PrivateKey) -> None:
    path = folder / KEY_MINISIGN
    comment, body = path.read_text().splitlines()
    raw = base64.b64decode(body)
    path.write_text(f"{comment}\n{base64.b64encode(raw[:2] + bytes(8) + raw[10:]).decode()}\n")
    result = minisign_verify(folder, "report.json")
    assert result.returncode != 0 and "key id" in result.stderr
    expected_id = f"{int.from_bytes(minisign_key_id(key.public_key()), 'little'):X}"
    assert verify_folder(folder, NAMES, key.public_key()) == [
        f"{KEY_MINISIGN} gives the key id 0, expected {expected_id}."
    ]
