"""The text of VERIFY.txt: how a funder checks a report's signatures, in plain words.

A funder reads this, not a cryptographer, so it says which tool to use on which
computer, where the tool comes from, the exact command for every file, and what a
good and a failed check look like. Two traps are spelt out because they make a good
signature look bad: PowerShell changes the bytes it pipes (so Windows gets the
``cmd /c "... < file"`` form), and OpenSSH before 8.7 (Windows 10 ships 8.1) rejects
the validity dates in ``allowed_signers`` (so it gets ``allowed_signers.openssh-8.1``).

Pure text from its arguments (the standard library only); the file names and the
commands' flags are fixed in :mod:`ledger.log.file_signatures`.
"""

from __future__ import annotations

from datetime import date, timedelta

_GIT_OPENSSL = r"C:\Program Files\Git\usr\bin\openssl.exe"
_RULE = "-" * 72


def _day(day: date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _yyyymmdd(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _commands(names: list[str], template: str, **values: str) -> list[str]:
    return ["    " + template.format(name=name, **values) for name in names]


def guide(
    names: list[str],
    *,
    principal: str,
    namespace: str,
    ssh_fingerprint: str,
    minisign_id: str,
    raw_key: str,
    valid_after: date,
    valid_before: date | None,
    origin: str,
) -> str:
    """The whole of VERIFY.txt for the report files ``names``."""
    ssh = "ssh-keygen -Y verify -f {signers} -I {principal} -n {namespace} -s {name}.sshsig{when} < {name}"
    openssl = "pkeyutl -verify -pubin -inkey report-key.pem -rawin -in {name} -sigfile {name}.sig"
    minisign = "-Vm {name} -p report-key.minisign.pub"
    when = f" -Overify-time={_yyyymmdd(valid_before - timedelta(days=1))}" if valid_before else ""
    common = {"principal": principal, "namespace": namespace}
    used = f"from {_day(valid_after)}" + (f" until {_day(valid_before)}" if valid_before else "")

    lines: list[str] = [
        "How to check that these report files are genuine",
        "=" * 48,
        "",
        f"These report files come from {origin}:",
        "",
        *(f"    {name}" for name in names),
        "",
        "Each file was signed with the collective's report key, three times over, so that",
        "you can check it with a tool your computer probably has already: ssh-keygen,",
        "openssl or minisign. One tool is enough. If a file was changed after it was",
        "signed, even by one character, its check fails.",
        "",
        "",
        "Step 1. Make sure the key is the collective's key",
        _RULE,
        "Anyone who changed these files could also replace the key files in this folder.",
        f"So before you trust a check, compare the key with one that {origin}",
        "gave you another way: on its website, in an email or letter, or in an earlier",
        "report. The key is:",
        "",
        f"    SSH fingerprint:   {ssh_fingerprint}",
        f"    minisign key id:   {minisign_id}",
        f"    Ed25519 key:       {raw_key}",
        "",
        "To see the fingerprint of the key in this folder, run:  ssh-keygen -l -f report-key.pub",
        "The minisign key id is at the end of the first line of report-key.minisign.pub.",
        f"The collective uses this key {used}.",
        "",
        "",
        "Step 2. Open a command window in this folder",
        _RULE,
        "    Linux:       open a terminal and go to this folder with cd.",
        "    macOS:       in Finder, Control-click the folder and choose",
        "                 Services, then New Terminal at Folder.",
        '    Windows 11:  in File Explorer, right-click the folder and choose "Open in Terminal".',
        "    Windows 10:  in File Explorer, open the folder, click in the address bar,",
        "                 type cmd and press Enter. This opens Command Prompt.",
        "",
        "",
        "Step 3. Check the files with one of these tools",
        _RULE,
        "",
        "A. ssh-keygen (part of OpenSSH)",
        "",
        "Where to get it:",
        "    Linux:       usually installed; if not, install the package openssh-client.",
        "    macOS:       built in.",
        '    Windows 10 and Windows 11: built in ("OpenSSH Client"). If it is missing, add it',
        "                 in Settings, Apps, Optional features.",
        "",
        "Linux and macOS:",
        *_commands(names, ssh, signers="allowed_signers", when="", **common),
        "",
        "Windows 11 (in Terminal, PowerShell or Command Prompt):",
        *_commands(names, 'cmd /c "' + ssh + '"', signers="allowed_signers", when="", **common),
        "",
        "Windows 10 (in Command Prompt or PowerShell):",
        *_commands(names, 'cmd /c "' + ssh + '"', signers="allowed_signers.openssh-8.1", when="", **common),
        "",
        "A good file shows:",
        f'    Good "{namespace}" signature for {principal} with ED25519 key {ssh_fingerprint}',
        "A changed file shows:",
        "    Signature verification failed: incorrect signature",
        "    Could not verify signature.",
        "",
        'On Windows, type the cmd /c "..." form exactly as shown. PowerShell changes',
        "the line endings of anything it passes through a pipe (|), and that makes a good",
        'signature fail; PowerShell also has no "<". cmd passes the file through unchanged.',
        "",
        "OpenSSH older than version 8.7 (Windows 10, early Windows 11, macOS 12 and older)",
        'does not understand the dates in allowed_signers and says "bad options" or',
        '"unknown key option". Then use allowed_signers.openssh-8.1 instead: it holds the',
        'same key without the dates. "ssh -V" shows which version you have.',
    ]
    if valid_before is not None:
        lines += [
            "",
            f"The key was retired on {_day(valid_before)}. On a later day, OpenSSH 8.7 and newer",
            'say "key has expired" unless you tell them to check as of a day the key was in',
            "use, like this:",
            *_commands(names, ssh, signers="allowed_signers", when=when, **common),
            '(On Windows 11, put the same command inside cmd /c "..." as above. Windows 10',
            "needs no change: allowed_signers.openssh-8.1 has no dates.)",
        ]
    lines += [
        "",
        "",
        "B. openssl (OpenSSL 3 or newer)",
        "",
        "Where to get it:",
        '    Linux:       usually installed; if not, install the package openssl. "openssl',
        '                 version" must say 3 or more.',
        "    macOS:       the built-in openssl is LibreSSL, which cannot check these",
        "                 signatures. Install OpenSSL 3 with Homebrew (https://brew.sh):",
        "                 brew install openssl@3",
        "    Windows 10 and Windows 11: comes with Git for Windows",
        f"                 (https://git-scm.com/download/win), as {_GIT_OPENSSL}",
        "                 You can also open Git Bash in this folder and use the Linux commands.",
        "",
        "Linux:",
        *_commands(names, "openssl " + openssl),
        "",
        "macOS:",
        *_commands(names, '"$(brew --prefix openssl@3)/bin/openssl" ' + openssl),
        "",
        "Windows 11 (in Terminal or PowerShell):",
        *_commands(names, f'& "{_GIT_OPENSSL}" ' + openssl),
        "",
        "Windows 10 (in Command Prompt):",
        *_commands(names, f'"{_GIT_OPENSSL}" ' + openssl),
        "",
        "(In Command Prompt leave out the & at the start; in PowerShell keep it.)",
        "",
        "A good file shows:      Signature Verified Successfully",
        "A changed file shows:   Signature Verification Failure",
        "",
        "",
        "C. minisign",
        "",
        "Where to get it:",
        "    Linux:       install the package minisign (Debian and Ubuntu: sudo apt install minisign).",
        "    macOS:       brew install minisign   (Homebrew, https://brew.sh)",
        "    Windows 10 and Windows 11: download the Windows zip file (win64) from",
        "                 https://github.com/jedisct1/minisign/releases and put minisign.exe",
        "                 in this folder.",
        "",
        "Linux and macOS:",
        *_commands(names, "minisign " + minisign),
        "",
        "Windows 11 (in Terminal or PowerShell):",
        *_commands(names, r".\minisign.exe " + minisign),
        "",
        "Windows 10 (in Command Prompt):",
        *_commands(names, "minisign.exe " + minisign),
        "",
        "A good file shows:",
        "    Signature and comment signature verified",
        f"    Trusted comment: copro report file <the file's name> from {origin}",
        "Check that the trusted comment names the file you checked.",
        "A changed file shows:   Signature verification failed",
        "",
        "",
        "What a good check tells you",
        _RULE,
        "A good check shows that the file is exactly, byte for byte, the file the holder",
        "of the report key signed. It does not by itself show that the figures are right:",
        "that they follow from the collective's signed record is checked by",
        '"copro report verify", which an auditor can run.',
        "",
    ]
    return "\n".join(lines)
