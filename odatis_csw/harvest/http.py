"""The one HTTP client of the harvesters: bounded, retried, http(s) only, conditional.

Every harvester fetches through :class:`HttpClient`, so timeouts, retries with backoff,
the payload size limit, the User-Agent and the scheme policy hold everywhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from odatis_csw import __version__
from odatis_csw.harvest.errors import PayloadTooLarge, SourceRefused, SourceUnreachable, UnsafeUrl

USER_AGENT = (
    f"odatis-csw/{__version__} (ODATIS federated ocean catalogue harvester; +https://www.odatis-ocean.fr/)"
)
RETRIED_STATUS = frozenset({429, 502, 503, 504})
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    max_bytes: int = 50 * 1024 * 1024
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Fetched:
    """An HTTP answer read in full (within the size limit)."""

    url: str
    status: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def validators(self) -> dict[str, str]:
        """The HTTP validators to send back next time (ETag, Last-Modified)."""
        found = {}
        for name in ("ETag", "Last-Modified"):
            value = self.headers.get(name)
            if value:
                found[name] = value
        return found


def _excerpt(fetched: Fetched, limit: int = 300) -> str:
    """The start of an error body (an OWS exception report says why), on one line."""
    text = " ".join(fetched.content[: limit * 4].decode("utf-8", "replace").split())
    return f": {text[:limit]}" if text else ""


def check_url(url: str) -> None:
    """Only http and https: no file://, ftp://, gopher://..."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeUrl(
            f"refused URL scheme {scheme or '(none)'!r} in {url!r}: only http and https are harvested"
        )


class HttpClient:
    """GET and POST with timeouts, retries and backoff, size limit, and a redirect policy."""

    def __init__(
        self, settings: HttpSettings | None = None, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.settings = settings or HttpSettings()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = self.settings.user_agent
        self._sleep = sleep

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        validators: Mapping[str, str] | None = None,
        accept: str | None = None,
    ) -> Fetched:
        headers = {}
        if validators:
            if "ETag" in validators:
                headers["If-None-Match"] = validators["ETag"]
            if "Last-Modified" in validators:
                headers["If-Modified-Since"] = validators["Last-Modified"]
        if accept:
            headers["Accept"] = accept
        return self._request("GET", url, params=params, headers=headers)

    def post(self, url: str, data: bytes, content_type: str = "application/xml") -> Fetched:
        return self._request("POST", url, data=data, headers={"Content-Type": content_type})

    def _request(self, method: str, url: str, **kwargs: Any) -> Fetched:
        check_url(url)
        attempt = 0
        while True:
            try:
                fetched = self._follow(method, url, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as err:
                if attempt >= self.settings.retries:
                    raise SourceUnreachable(f"{method} {url}: {type(err).__name__}: {err}") from err
            else:
                if fetched.status not in RETRIED_STATUS or attempt >= self.settings.retries:
                    if fetched.status >= 400:
                        raise SourceRefused(
                            f"{method} {fetched.url}: HTTP {fetched.status}{_excerpt(fetched)}"
                        )
                    return fetched
            self._sleep(self.settings.backoff * (2**attempt))
            attempt += 1

    def _follow(self, method: str, url: str, **kwargs: Any) -> Fetched:
        for _ in range(MAX_REDIRECTS + 1):
            response = self.session.request(
                method, url, timeout=self.settings.timeout, allow_redirects=False, stream=True, **kwargs
            )
            try:
                if response.is_redirect:
                    target = urljoin(url, response.headers["Location"])
                    check_url(target)
                    url = target
                    if response.status_code in (301, 302, 303):
                        method, kwargs = "GET", {k: v for k, v in kwargs.items() if k not in ("data",)}
                    continue
                return Fetched(url, response.status_code, self._read(response, url), dict(response.headers))
            finally:
                response.close()
        raise SourceRefused(f"{method} {url}: more than {MAX_REDIRECTS} redirects")

    def _read(self, response: requests.Response, url: str) -> bytes:
        limit = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"{url}: {declared} bytes announced, the limit is {limit}")
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"{url}: more than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
