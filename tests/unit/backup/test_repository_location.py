"""Repository forms and credentials for `nova backup self`: what is taken, what is refused.

A password given in a URL is never repeated by a refusal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nova.backup.home import open_repository
from nova.backup.location import (
    Credentials,
    Location,
    credentials_for,
    parse_repository,
    read_credentials_file,
    restic_repository,
    sends_login_in_clear,
)
from nova.backup.restic import redact
from nova.core.errors import EXIT_USAGE, InputError


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("/mnt/usb/nova", "/mnt/usb/nova"),
        ("backups/nova", "backups/nova"),
        ("./s3:odd", "s3:odd"),
        ("local:/srv/restic", "/srv/restic"),
        ("local:relative:name", "relative:name"),
        ("/x/s3:https://host/bucket", "/x/s3:https:/host/bucket"),
    ],
)
def test_local_folders(text: str, path: str) -> None:
    location = parse_repository(text)
    assert location.kind == "local" and not location.remote
    assert location.path == Path(path)


def test_home_folder_is_expanded() -> None:
    assert parse_repository("~/nova-backup").path == Path.home() / "nova-backup"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("sftp:backup@host:/srv/restic/nova", "sftp"),
        ("sftp:host:relative/repo", "sftp"),
        ("sftp://backup@host:2222//srv/restic", "sftp"),
        ("rest:http://127.0.0.1:8000/", "rest"),
        ("rest:https://backup@rest.example:8000/nova/", "rest"),
        ("s3:https://s3.amazonaws.com/bucket/prefix", "s3"),
        ("s3:http://127.0.0.1:9000/bucket", "s3"),
        ("s3:s3.eu-west-1.amazonaws.com/bucket", "s3"),
    ],
)
def test_remote_forms_are_kept_as_given(text: str, kind: str) -> None:
    location = parse_repository(text)
    assert (location.kind, location.text, location.path) == (kind, text, None)
    assert location.display == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("s3:", "needs an endpoint and a bucket"),
        ("s3:https:", "not a valid URL"),
        ("s3:https://", "names no host"),
        ("s3:https://host", "names no bucket"),
        ("s3:https://host/", "names no bucket"),
        ("s3:ftp://host/bucket", "needs an http:// or https:// URL"),
        ("s3:https://key:secret@host/bucket", "holds a password"),
        ("s3:https://key@host/bucket", "takes no login in the URL"),
        ("foo:bar", "'foo:' is not a repository form"),
        ("b2:bucket/path", "'b2:' is not a repository form"),
        ("C:backups", "'C:' is not a repository form"),
        ("local:", "local: needs a folder"),
        ("sftp:", "needs a host and a folder"),
        ("sftp:host", "needs a host and a folder"),
        ("sftp:host:", "needs a host and a folder"),
        ("sftp:/srv/repo", "needs a host and a folder"),
        ("sftp://host", "names no folder"),
        ("sftp://u:pw1234@host//srv", "holds a password"),
        ("rest:", "names no host"),
        ("rest:ftp://host/", "needs an http:// or https:// URL"),
        ("rest:http://host:port/", "not a valid URL"),
    ],
)
def test_refused_forms(text: str, reason: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_repository(text)
    assert refused.value.exit_code == EXIT_USAGE
    assert refused.value.field == "--repo"
    assert reason in refused.value.reason
    assert "\n" not in str(refused.value)


def test_a_password_in_a_rest_url_is_refused_without_repeating_it() -> None:
    with pytest.raises(InputError) as refused:
        parse_repository("rest:https://nova:hunter2-sekrit@rest.example/nova/")
    assert "hunter2-sekrit" not in str(refused.value)
    assert str(refused.value).startswith("rest:https://nova:***@rest.example/nova/: --repo:")


def private(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_credentials_file_values_win_over_the_environment(tmp_path: Path) -> None:
    creds = private(
        tmp_path / "s3.env",
        "# keys for the bucket\n\nexport AWS_ACCESS_KEY_ID=from-file\n"
        "AWS_SECRET_ACCESS_KEY = a=b=c \n",
    )
    location = parse_repository("s3:https://host/bucket")
    environ = {"AWS_ACCESS_KEY_ID": "from-env", "AWS_DEFAULT_REGION": "eu-west-1"}
    found = credentials_for(location, creds, environ)
    assert found.env == {
        "AWS_ACCESS_KEY_ID": "from-file",
        "AWS_SECRET_ACCESS_KEY": "a=b=c",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    assert found.secrets == ("a=b=c",)
    assert found.sources["AWS_DEFAULT_REGION"] == "environment"
    assert found.sources["AWS_ACCESS_KEY_ID"] == "--credentials-file"


def test_s3_without_keys_is_refused(tmp_path: Path) -> None:
    location = parse_repository("s3:https://host/bucket")
    with pytest.raises(InputError) as refused:
        credentials_for(location, None, {"AWS_ACCESS_KEY_ID": "only-the-id"})
    assert refused.value.reason.startswith("an S3 repository needs AWS_SECRET_ACCESS_KEY")


@pytest.mark.parametrize(
    ("text", "mode", "field", "reason"),
    [
        ("AWS_ACCESS_KEY_ID=x\n", 0o644, "--credentials-file", "others can read it (mode 0644)"),
        ("AWS_ACCESS_KEY_ID=x\n", 0o640, "--credentials-file", "others can read it (mode 0640)"),
        ("AWS_ACCESS_KEY_ID\n", 0o600, "line 1", "is not NAME=value"),
        ("\nRESTIC_PASSWORD=x\n", 0o600, "line 2", "unknown name 'RESTIC_PASSWORD'"),
    ],
)
def test_bad_credentials_files(
    tmp_path: Path, text: str, mode: int, field: str, reason: str
) -> None:
    creds = private(tmp_path / "creds", text, mode)
    with pytest.raises(InputError) as refused:
        read_credentials_file(creds)
    assert (refused.value.source, refused.value.field) == (str(creds), field)
    assert reason in refused.value.reason


def test_binary_credentials_file(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.write_bytes(b"\xff\xfe\x00")
    creds.chmod(0o600)
    with pytest.raises(InputError, match="is not UTF-8 text"):
        read_credentials_file(creds)


def test_rest_login_goes_into_the_url_escaped() -> None:
    location = parse_repository("rest:https://rest.example:8000/nova/")
    creds = Credentials(
        env={"RESTIC_REST_USERNAME": "nova", "RESTIC_REST_PASSWORD": "p@ss:w/rd"},
        secrets=("p@ss:w/rd",),
    )
    url = restic_repository(location, creds)
    assert url == "rest:https://nova:p%40ss%3Aw%2Frd@rest.example:8000/nova/"
    assert redact(f"Fatal: {url} said no", creds.secrets) == (
        "Fatal: rest:https://nova:***@rest.example:8000/nova/ said no"
    )


def test_rest_user_in_url_must_match_the_given_one() -> None:
    location = parse_repository("rest:https://alice@rest.example/")
    creds = Credentials(env={"RESTIC_REST_USERNAME": "bob", "RESTIC_REST_PASSWORD": "pw12"})
    with pytest.raises(InputError, match="differs from RESTIC_REST_USERNAME"):
        restic_repository(location, creds)
    alone = Credentials(env={"RESTIC_REST_PASSWORD": "pw12"})
    assert restic_repository(location, alone) == "rest:https://alice:pw12@rest.example/"


def test_local_location_goes_to_restic_as_its_path(tmp_path: Path) -> None:
    location = Location("local", "x", tmp_path / "repo")
    assert restic_repository(location, Credentials()) == str(tmp_path / "repo")


@pytest.mark.parametrize(
    ("repo", "clear"),
    [
        ("rest:http://backup.example:8000/", "backup.example"),
        ("rest:http://10.0.0.5/nova/", "10.0.0.5"),
        ("rest:https://backup.example/", None),
        ("rest:http://127.0.0.1:8000/", None),
        ("rest:http://[::1]:8000/", None),
        ("rest:http://localhost:8000/", None),
    ],
)
def test_rest_password_in_clear_only_off_loopback(repo: str, clear: str | None) -> None:
    creds = Credentials(env={"RESTIC_REST_USERNAME": "n", "RESTIC_REST_PASSWORD": "pw12"})
    assert sends_login_in_clear(parse_repository(repo), creds) == clear
    assert sends_login_in_clear(parse_repository(repo), Credentials()) is None


def test_rest_password_in_clear_needs_insecure(tmp_path: Path) -> None:
    home = tmp_path / "nova"
    environ = {
        "RESTIC_PASSWORD": "repo-password",
        "RESTIC_REST_USERNAME": "nova",
        "RESTIC_REST_PASSWORD": "rest-password",
    }
    repo = "rest:http://backup.example:8000/nova/"
    with pytest.raises(InputError) as refused:
        open_repository(home, repo, None, None, environ=environ)
    assert refused.value.reason == (
        "would send the REST password unencrypted to backup.example; "
        "use https:// (or --insecure, which is audited)"
    )
    store, location, source, sources = open_repository(
        home, repo, None, None, insecure=True, environ=environ
    )
    assert store.url == "rest:http://nova:rest-password@backup.example:8000/nova/"
    assert store.display == repo and location.kind == "rest" and source == "RESTIC_PASSWORD"
    assert sources == {"RESTIC_REST_USERNAME": "environment", "RESTIC_REST_PASSWORD": "environment"}
    assert set(store.secrets) == {"repo-password", "rest-password"}
    assert store.password_file is None and store.env["RESTIC_PASSWORD"] == "repo-password"


@pytest.mark.parametrize(
    ("given", "environ", "source", "file"),
    [
        ("opt.pw", {"RESTIC_PASSWORD_FILE": "/env.pw"}, "--password-file", "opt.pw"),
        (None, {"RESTIC_PASSWORD_FILE": "/env.pw", "RESTIC_PASSWORD": "x"},
         "RESTIC_PASSWORD_FILE", "/env.pw"),
        (None, {}, "default", "nova-backup.password"),
    ],
)  # fmt: skip
def test_where_a_local_repository_password_comes_from(
    tmp_path: Path, given: str | None, environ: dict[str, str], source: str, file: str
) -> None:
    home = tmp_path / "nova"
    option = tmp_path / given if given else None
    store, _location, found, _sources = open_repository(home, None, option, None, environ=environ)
    assert found == source
    assert store.password_file == (tmp_path / file).resolve()
    assert store.local == (tmp_path / "nova-backup").resolve()


def test_a_local_repository_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "repo").write_text("not a repository")
    with pytest.raises(InputError) as refused:
        open_repository(tmp_path / "nova", str(tmp_path / "repo"), None, None, environ={})
    assert (refused.value.field, refused.value.reason) == ("--repo", "is not a folder")
