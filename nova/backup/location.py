"""Where a restic repository is, and the credentials that open it.

A repository is given as restic writes it:

- a local folder: any text that does not start with a scheme, or `local:PATH`.
  A scheme is a letter followed by letters, digits, `+`, `-` or `.` and then
  a colon, before any `/`: so `/mnt/usb/nova`, `backups/nova`, `~/nova` and
  `./s3:odd` are folders, while `s3:...`, `foo:bar` and `C:` are not. A text
  that looks like a scheme is never taken as a folder name;
- `sftp:[USER@]HOST:PATH` or `sftp://[USER@]HOST[:PORT]/PATH` (SSH keys and
  ~/.ssh/config as restic's `ssh` uses them; no password in the URL);
- `rest:http(s)://[USER@]HOST[:PORT]/[PATH]`;
- `s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX]` or `s3:HOST/BUCKET[/PREFIX]` (HTTPS).

Any other form, restic's other backends included, is refused with one line.

Secrets never come from the command line. The repository password comes
from `--password-file`, else RESTIC_PASSWORD_FILE, else RESTIC_PASSWORD
(a local repository's default is a generated file beside it). S3 keys
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_DEFAULT_REGION) and the REST login (RESTIC_REST_USERNAME,
RESTIC_REST_PASSWORD) come from the environment or from a credentials file
of `NAME=value` lines (mode 0600: a file others can read is refused), whose
values win over the environment's. A password written into a URL is refused,
and the refusal never repeats it. A REST password would cross the network in
clear over `rest:http://` to a host other than loopback: that is refused
unless the operator says `--insecure` (which the audit log records).
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, quote, urlsplit

from nova.core.errors import InputError

SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
KINDS = ("local", "sftp", "rest", "s3")
FORMS = "a local folder, local:PATH, sftp:HOST:PATH, rest:URL or s3:URL/BUCKET"
S3_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION")
REST_NAMES = ("RESTIC_REST_USERNAME", "RESTIC_REST_PASSWORD")
CREDENTIAL_NAMES = S3_NAMES + REST_NAMES
SECRET_NAMES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "RESTIC_REST_PASSWORD")
REPO_OPTION = "--repo"
CREDENTIALS_OPTION = "--credentials-file"


@dataclass(frozen=True)
class Location:
    """A repository as given: its kind, the text (free of secrets) and, for a folder, its path."""

    kind: str
    text: str
    path: Path | None = None

    @property
    def remote(self) -> bool:
        return self.kind != "local"

    @property
    def display(self) -> str:
        return str(self.path) if self.path is not None else self.text


@dataclass(frozen=True)
class Credentials:
    """Values restic gets in its environment, the secrets among them, and where each came from."""

    env: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)


def parse_repository(text: str) -> Location:
    """The repository named by `text`, or one line saying why it is not one."""
    if not text.strip():
        raise InputError("''", REPO_OPTION, f"is empty (give {FORMS})")
    match = SCHEME_RE.match(text)
    if match is None:
        return Location("local", text, Path(text).expanduser())
    scheme, rest = match.group(1), text[match.end() :]
    if scheme == "local":
        if not rest.strip():
            raise InputError(text, REPO_OPTION, "local: needs a folder after it")
        return Location("local", text, Path(rest).expanduser())
    if scheme == "sftp":
        return _sftp(text, rest)
    if scheme == "rest":
        return _rest(text, rest)
    if scheme == "s3":
        return _s3(text, rest)
    raise InputError(
        _shown(text),
        REPO_OPTION,
        f"'{scheme}:' is not a repository form Nova takes (give {FORMS}; "
        f"write ./{scheme}:... for a local folder whose name holds a colon)",
    )


def _shown(text: str) -> str:
    """`text` with any password in a URL replaced by ***, so a refusal never repeats it."""
    match = re.match(r"^(.*?//)([^/@]*?):([^/@]*)@(.*)$", text)
    if match is None:
        return text
    return f"{match.group(1)}{match.group(2)}:***@{match.group(4)}"


def _split(text: str, url: str, example: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise InputError(
            _shown(text), REPO_OPTION, f"not a valid URL ({exc}); e.g. {example}"
        ) from None
    if parts.password is not None:
        raise InputError(
            _shown(text),
            REPO_OPTION,
            "holds a password: it would reach the process list and logs; "
            "put it in the environment or --credentials-file instead",
        )
    if not parts.hostname:
        raise InputError(text, REPO_OPTION, f"names no host; e.g. {example}")
    return parts


def _sftp(text: str, rest: str) -> Location:
    example = "sftp:backup@host:/srv/restic/nova"
    if rest.startswith("//"):
        parts = _split(text, "ssh:" + rest, "sftp://backup@host:22//srv/restic/nova")
        if parts.path in ("", "/"):
            raise InputError(text, REPO_OPTION, "names no folder on the SFTP host")
        return Location("sftp", text)
    host, sep, path = rest.partition(":")
    login, _, hostname = host.rpartition("@")
    if not sep or not hostname or "/" in host or not path.strip():
        raise InputError(text, REPO_OPTION, f"needs a host and a folder; e.g. {example}")
    if ":" in login:
        raise InputError(_shown("sftp://" + rest), REPO_OPTION, "holds a password; use SSH keys")
    return Location("sftp", text)


def _rest(text: str, rest: str) -> Location:
    example = "rest:https://host:8000/nova"
    parts = _split(text, rest, example)
    if parts.scheme not in ("http", "https"):
        raise InputError(text, REPO_OPTION, f"needs an http:// or https:// URL; e.g. {example}")
    return Location("rest", text)


def _s3(text: str, rest: str) -> Location:
    example = "s3:https://s3.amazonaws.com/BUCKET/PREFIX"
    if not rest.strip():
        raise InputError(text, REPO_OPTION, f"needs an endpoint and a bucket; e.g. {example}")
    if re.match(r"^https?:", rest) and not rest.split(":", 1)[1].startswith("//"):
        raise InputError(text, REPO_OPTION, f"not a valid URL; e.g. {example}")
    url = rest if "://" in rest else "https://" + rest
    parts = _split(text, url, example)
    if parts.scheme not in ("http", "https"):
        raise InputError(text, REPO_OPTION, f"needs an http:// or https:// URL; e.g. {example}")
    if parts.username is not None:
        raise InputError(text, REPO_OPTION, "takes no login in the URL; S3 keys go elsewhere")
    if not parts.path.strip("/"):
        raise InputError(text, REPO_OPTION, f"names no bucket; e.g. {example}")
    return Location("s3", text)


def read_credentials_file(path: Path) -> dict[str, str]:
    """NAME=value lines (blank lines and # comments allowed) from a file only its owner reads."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise InputError(path, CREDENTIALS_OPTION, "is not a file")
        if mode & 0o077:
            raise InputError(
                path,
                CREDENTIALS_OPTION,
                f"others can read it (mode {stat.S_IMODE(mode):04o}); chmod 600 it",
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(path, CREDENTIALS_OPTION, exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise InputError(path, CREDENTIALS_OPTION, "is not UTF-8 text") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = stripped.partition("=")
        name = name.removeprefix("export ").strip()
        if not sep:
            raise InputError(path, f"line {number}", "is not NAME=value")
        if name not in CREDENTIAL_NAMES:
            raise InputError(
                path,
                f"line {number}",
                f"unknown name '{name}' (known: {', '.join(CREDENTIAL_NAMES)})",
            )
        values[name] = value.strip()
    return values


def credentials_for(
    location: Location, credentials_file: Path | None, environ: dict[str, str] | None = None
) -> Credentials:
    """What restic needs besides the repository password to reach `location`."""
    source_env = dict(os.environ if environ is None else environ)
    from_file = read_credentials_file(credentials_file) if credentials_file is not None else {}
    names = S3_NAMES if location.kind == "s3" else REST_NAMES if location.kind == "rest" else ()
    env: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name in names:
        if from_file.get(name):
            env[name], sources[name] = from_file[name], CREDENTIALS_OPTION
        elif source_env.get(name):
            env[name], sources[name] = source_env[name], "environment"
    where = credentials_file if credentials_file is not None else location.text
    if location.kind == "s3":
        missing = [n for n in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") if n not in env]
        if missing:
            raise InputError(
                where,
                CREDENTIALS_OPTION,
                f"an S3 repository needs {' and '.join(missing)} "
                "(in the environment or in --credentials-file)",
            )
    secrets = tuple(env[n] for n in SECRET_NAMES if n in env)
    return Credentials(env, secrets, sources)


def restic_repository(location: Location, credentials: Credentials) -> str:
    """RESTIC_REPOSITORY for restic: a REST login is written into the URL (restic 0.14 reads
    it nowhere else), so this value goes to restic's environment only, never to output."""
    if location.path is not None:
        return str(location.path)
    if location.kind != "rest" or not set(REST_NAMES) & set(credentials.env):
        return location.text
    parts = urlsplit(location.text[len("rest:") :])
    given = credentials.env.get("RESTIC_REST_USERNAME")
    if given and parts.username and parts.username != given:
        raise InputError(
            location.text, REPO_OPTION, "the URL's user differs from RESTIC_REST_USERNAME"
        )
    user = given or parts.username
    if not user:
        raise InputError(
            location.text, CREDENTIALS_OPTION, "RESTIC_REST_PASSWORD is set but no user name is"
        )
    login = quote(user, safe="")
    if "RESTIC_REST_PASSWORD" in credentials.env:
        login += ":" + quote(credentials.env["RESTIC_REST_PASSWORD"], safe="")
    host = parts.netloc.rpartition("@")[2]
    return "rest:" + parts._replace(netloc=f"{login}@{host}").geturl()


def sends_login_in_clear(location: Location, credentials: Credentials) -> str | None:
    """The host a REST password would reach unencrypted (http:// off loopback), else None."""
    if location.kind != "rest" or "RESTIC_REST_PASSWORD" not in credentials.env:
        return None
    parts = urlsplit(location.text[len("rest:") :])
    host = parts.hostname or ""
    if parts.scheme == "https" or host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return host
