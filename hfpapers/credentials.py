"""Credentials in git remotes and the publishing token: refused in settings, masked in logs.

A remote URL may carry a token (``https://user:TOKEN@host``, ``?access_token=``),
and the token itself comes from the ``PUBLISH_GIT_TOKEN`` environment variable.
Settings with credentials are refused before the run (Scrapyd shows job
settings); whatever reaches a log line or a traceback is masked.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

# Everything between "://" and the last "@" before the path: also a malformed
# user:SECRET TOKEN@host or user:SECRET@TOKEN@host.
_CREDENTIALS_RE = re.compile(r"(?<=://)[^/]*@")


# The configured remote, as given, and as it may be shown: a token can also sit in
# its query string (?access_token=…) or its scp-like user (TOKEN@host:path).
_REMOTES: dict[str, str] = {}
# The token in base64, as a server that echoes an Authorization header shows it.
_ENCODED: dict[str, re.Pattern[str]] = {}


def shown_remote(remote: str) -> str:
    """A remote with nothing but scheme, host, port and path (or ``***@host:path``)."""
    try:
        parts = urlsplit(remote)
        if parts.scheme and parts.hostname:
            port = f":{parts.port}" if parts.port else ""
            return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"
    except ValueError:  # a port that is no number, a broken [IPv6]: no query, no user part
        return _CREDENTIALS_RE.sub("***@", remote.split("?", 1)[0])
    if "@" in remote:
        return "***@" + remote.rsplit("@", 1)[1]
    return remote


def hide_remote(remote: str) -> None:
    """Mask ``remote`` wherever it is written out, whole, from now on."""
    shown = shown_remote(remote)
    if shown != remote:
        _REMOTES[remote] = shown


def hide_secret(secret: str) -> None:
    """Mask ``secret`` (the token from the environment) wherever it is written out: as it is,
    URL-encoded, and in base64 (an HTTP ``Authorization: Basic`` header that a server echoes
    holds ``user:TOKEN`` in base64, whatever the user)."""
    if len(secret) < 6:  # a shorter one would mask common words; no real token is that short
        return
    for form in (secret, quote(secret, safe=""), quote_plus(secret)):
        _REMOTES[form] = "***"
    for core in _base64_forms(secret.encode()):
        # The whole base64 word that holds it: its first and last characters carry the secret's too.
        _ENCODED.setdefault(core, re.compile(rf"[A-Za-z0-9+/]*{re.escape(core)}[A-Za-z0-9+/]*=*"))


def hide_url_credentials(url: str) -> None:
    """Mask a remote URL (the clone's own, from its config) whole, and each credential in it
    wherever it shows on its own, like the token: the password, a user name over http(s)
    (where a token often stands) and the query's values, as written and decoded. A server
    that echoes the request shows them without the URL around them."""
    hide_remote(url)
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return
    secrets = [password or ""]
    if parts.scheme.lower() in ("http", "https") and user != TOKEN_USER:
        secrets.append(user or "")
    secrets += [value for _, value in parse_qsl(parts.query, keep_blank_values=True)]
    for secret in secrets:
        for form in {secret, unquote(secret)}:
            hide_secret(form)


def _base64_forms(secret: bytes) -> list[str]:
    """The base64 text that ``secret`` becomes after 0, 1 or 2 bytes of anything (``user:``),
    without the characters that those bytes or the padding share: each appears in the base64
    of any ``user:SECRET``."""
    forms = []
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + secret).decode()
        whole_groups = len(encoded) - (4 if (offset + len(secret)) % 3 else 0)
        start = 4 if offset else 0  # the first group mixes the prefix's bits with the secret's
        core = encoded[start:whole_groups]
        if len(core) >= 8:
            forms.append(core)
    return forms


def plain_http_refusal(urls: list[str]) -> str | None:
    """The one-line refusal of sending the token to any of ``urls`` over plain http (anyone on
    the way reads it), or None; http to this machine (loopback) is allowed."""
    for url in urls:
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            continue  # git refuses it too, before sending anything
        if parts.scheme.lower() == "http" and not _loopback(host):
            return (
                f"{TOKEN_VARIABLE}: the remote {shown_remote(url)} is plain http, where anyone on the way"
                " reads the token: use its https URL (or unset the token)"
            )
    return None


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mask_credentials(text: str) -> str:
    """``https://user:token@host`` -> ``https://***@host``; the configured remote -> its shown form;
    the token, also encoded, -> ``***``."""
    for remote, shown in _REMOTES.items():
        text = text.replace(remote, shown)
    for pattern in _ENCODED.values():
        text = pattern.sub("***", text)
    return _CREDENTIALS_RE.sub("***@", text)


# Prefixes of GitHub's and GitLab's tokens: wherever they sit in a URL, it carries a secret.
_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-")
_SSH_SCHEMES = ("ssh", "git+ssh", "ssh+git")
TOKEN_VARIABLE = "PUBLISH_GIT_TOKEN"
SUMMARY_KEY_VARIABLE = "SUMMARY_API_KEY"
# The environment variables that hold a secret: read from the environment only, never taken
# as a setting (Scrapyd writes a job's settings to its log and lists them in listjobs.json).
SECRET_VARIABLES = (TOKEN_VARIABLE, SUMMARY_KEY_VARIABLE)
TOKEN_USER = "x-access-token"  # GitHub's user name for a token; any other host takes a token as the password


def credentials_in(remote: str) -> str | None:
    """What in a remote (name, path or URL) is a credential, or None: a URL's password,
    query string (``?access_token=``), a user name over HTTP (a token often stands there),
    or a known token anywhere. An SSH login name (``git@``) is no credential."""
    if any(prefix in remote for prefix in _TOKEN_PREFIXES):
        return "a token"
    try:
        parts = urlsplit(remote)
        if not (parts.scheme and parts.netloc):
            return None  # a remote's name, a path, or host:path (scp-like, SSH: a login name at most)
        userinfo = parts.netloc.rpartition("@")[0]
        if ":" in userinfo or parts.password is not None:
            return "a password"
        if parts.query:
            return "a query string"
        if userinfo and parts.scheme.lower() not in _SSH_SCHEMES:
            return "a user name, where a token often stands"
    except ValueError:
        return "text that is no valid URL"
    return None


def refuse_credentials(remote: str) -> str | None:
    """The one-line refusal of a PUBLISH_GIT_REMOTE with credentials in it (never showing them)."""
    what = credentials_in(remote)
    if what is None:
        return None
    return (
        f"PUBLISH_GIT_REMOTE: a URL with credentials in it ({what}) would show in logs and in"
        f" Scrapyd's job list: give the URL without them, or a remote's name, and the token in the"
        f" {TOKEN_VARIABLE} environment variable"
    )


def install_credential_masking() -> None:
    """Mask URL credentials in every log record, whatever logger or handler.

    A record factory, not a handler filter: it also covers Scrapy's
    "Overridden settings" dump and the log file Scrapyd keeps for the job.
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_credentials", False):
        return

    def masking_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = factory(*args, **kwargs)  # type: ignore[arg-type]
        message = record.getMessage()
        if (
            ("@" in message and _CREDENTIALS_RE.search(message))
            or any(r in message for r in _REMOTES)
            or any(p.search(message) for p in _ENCODED.values())
        ):
            record.msg, record.args = mask_credentials(message), ()
        if record.exc_info and record.exc_info[0] is not None:
            # Formatters print exc_text when set: the traceback, masked.
            record.exc_text = mask_credentials(logging.Formatter().formatException(record.exc_info))
        return record

    masking_factory.masks_credentials = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masking_factory)
