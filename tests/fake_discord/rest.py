"""REST plumbing: route table, body parsing, auth, rate limits, recording, JSON answers.

Route handlers live in :mod:`tests.fake_discord.routes`; they are registered with
:func:`route` and receive a :class:`Ctx`. They return a JSON-able body (-> 200), ``None``
(-> 204 No Content) or a :class:`Reply`, or raise :class:`~tests.fake_discord.errors.APIError`.

Every answer with a body has ``Content-Type: application/json`` exactly (discord.py only
decodes JSON for that exact value); 204 answers carry no body and no content type.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import hashlib
import json
import random
import re
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import errors
from .util import dumps

if TYPE_CHECKING:
    from .server import FakeDiscord
    from .state import World

API_PREFIX = "/api/v10"


def audit_reason(request: web.Request) -> str | None:
    """The request's audit-log reason: clients URL-encode the header (discord.py does)."""
    raw = request.headers.get("X-Audit-Log-Reason")
    return None if raw is None else urllib.parse.unquote(raw)


@dataclasses.dataclass
class UploadedFile:
    """A file part of a multipart request (``files[n]``)."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclasses.dataclass
class RecordedRequest:
    """One REST call as the fake saw it."""

    method: str
    path: str
    route: str | None
    json: Any
    query: dict[str, str]
    status: int = 0
    response: Any = None
    files: list[UploadedFile] = dataclasses.field(default_factory=list)
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    time: float = 0.0
    audit_reason: str | None = None  # X-Audit-Log-Reason, URL-decoded as Discord shows it

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


@dataclasses.dataclass
class Reply:
    """An explicit answer (status, body, extra headers).

    ``text`` answers a non-JSON body with ``headers["Content-Type"]`` instead (an HTML page from
    Cloudflare, a plain-text error from Discord's load balancer).
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    text: str | None = None


class Ctx:
    """What a route handler gets."""

    def __init__(
        self,
        fake: FakeDiscord,
        request: web.Request,
        path: str,
        params: dict[str, str],
        body: Any,
        files: list[UploadedFile],
    ) -> None:
        self.fake = fake
        self.world: World = fake.world
        self.request = request
        self.method = request.method
        self.path = path
        self.params = params
        self.query = request.query
        self.json = body
        self.files = files
        self.reason = audit_reason(request)
        self._after_write: list[Callable[[], None]] = []

    def body(self) -> dict[str, Any]:
        """The JSON body as a dict (400 if it is something else)."""
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise errors.invalid_form(
                {
                    "_errors": [
                        {
                            "code": "DICT_TYPE_CONVERT",
                            "message": "Only dictionaries may be used in a DictType",
                        }
                    ]
                }
            )
        return self.json

    def snowflake(self, name: str, error: Callable[[], errors.APIError] = errors.not_found) -> int:
        """A path parameter as a snowflake (a non-number -> the given 404)."""
        raw = self.params[name]
        if not raw.isdigit():
            raise error()
        return int(raw)

    def query_int(self, name: str, default: int | None = None) -> int | None:
        """An integer query parameter (400 50035 when not a number)."""
        raw = self.query.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise errors.invalid_form(
                errors.nest([name], errors.field_error("NUMBER_TYPE_COERCE", f'Value "{raw}" is not int.'))
            ) from None

    def query_bool(self, name: str, default: bool = False) -> bool:
        """A boolean query parameter (``true``/``1``)."""
        raw = self.query.get(name)
        if raw is None:
            return default
        return raw.lower() in ("1", "true", "yes")

    def after_write(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the answer has been written to the socket."""
        self._after_write.append(callback)


Handler = Callable[[Ctx], Awaitable[Any]]


@dataclasses.dataclass
class RouteSpec:
    """A registered route."""

    method: str
    template: str
    handler: Handler
    auth: bool
    global_limit: bool
    bearer: bool = False  # also answers an OAuth2 ``Bearer`` token (the handler checks it)
    regex: re.Pattern[str] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        pattern = ""
        for part in re.split(r"(\{[a-z_]+\})", self.template):
            if part.startswith("{"):
                pattern += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                pattern += re.escape(part)
        self.regex = re.compile(f"^{pattern}/?$")

    @property
    def specificity(self) -> tuple[int, int]:
        """Literal routes before parameterised ones."""
        return (self.template.count("{"), -len(self.template))


ROUTES: list[RouteSpec] = []


def route(
    method: str, template: str, *, auth: bool = True, global_limit: bool = True, bearer: bool = False
) -> Callable[[Handler], Handler]:
    """Register a handler for ``method template`` (template in discord.py's Route syntax)."""

    def decorator(func: Handler) -> Handler:
        ROUTES.append(RouteSpec(method, template, func, auth, global_limit, bearer))
        ROUTES.sort(key=lambda r: r.specificity)
        return func

    return decorator


def match(method: str, path: str) -> tuple[RouteSpec | None, dict[str, str], bool]:
    """Find the route; returns (spec, params, path_exists_with_other_method)."""
    other_method = False
    for spec in ROUTES:
        m = spec.regex.match(path)
        if m is None:
            continue
        if spec.method != method:
            other_method = True
            continue
        return spec, m.groupdict(), False
    return None, {}, other_method


@dataclasses.dataclass
class RateLimitRule:
    """A fault: the next ``times`` calls to ``method template`` answer 429."""

    method: str
    template: str
    times: int
    retry_after: float
    global_: bool
    scope: str


#: What :class:`FaultRule` can answer instead of the real thing.
FAULT_KINDS = ("429", "429-shared", "429-global", "500", "502", "503", "500-after", "502-after")
# Asked for by name only: a 404 that is not Discord's word on the resource (no code, as a proxy or a
# routing hiccup answers), which a client must not take for "Unknown Channel".
OTHER_FAULT_KINDS = ("404",)

# Discord's own 500 is JSON; a 502 comes from Cloudflare as an HTML page; a 503 is the load
# balancer's plain text ("upstream connect error ..."). discord.py retries 500/502/504/524 itself.
_CLOUDFLARE_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
)
_UPSTREAM_503 = "upstream connect error or disconnect/reset before headers. reset reason: overflow"


@dataclasses.dataclass
class FaultRule:
    """A fault: a ``share`` of the calls to ``method template`` answer 429 or 5xx.

    Each faulty call gets one of ``kinds`` (see :data:`FAULT_KINDS`): ``429`` (the route's
    bucket, scope user), ``429-shared`` (a shared resource's bucket, scope shared),
    ``429-global`` (the bot's global limit), ``500``/``502``/``503`` before anything happened,
    ``404`` without Discord's code (only when asked for: :data:`OTHER_FAULT_KINDS`),
    and ``500-after``/``502-after``: the call took effect but its answer was lost on the way
    (Discord then answers an error although the message exists; a nonce makes the retry safe).
    Draws come from ``random.Random(seed)``: the n-th matching call always gets the same fate.
    """

    method: str
    template: str
    share: float
    kinds: tuple[str, ...]
    retry_after: float
    rng: random.Random
    injected: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)

    def draw(self) -> str | None:
        """Return the fault for the next matching call, or None to answer it normally."""
        if self.rng.random() >= self.share:
            return None
        kind = self.rng.choice(self.kinds)
        self.injected[kind] += 1
        return kind


@dataclasses.dataclass
class HeldAnswers:
    """Calls to ``method template`` take effect, but their answers wait until :meth:`release`."""

    method: str
    template: str
    released: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    waiting: int = 0  # calls done whose answer is held (or was, before the release)

    def release(self) -> None:
        """Send every held answer (to clients still listening) and stop holding."""
        self.released.set()


@dataclasses.dataclass
class HeldRequests:
    """Calls to ``method template`` wait before they take effect (stuck on the way to Discord)
    until :meth:`release`; :meth:`drop` loses them: they never take effect."""

    method: str
    template: str
    released: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    dropped: bool = False
    waiting: int = 0  # calls that were held

    def release(self) -> None:
        """Let every held call through and stop holding."""
        self.released.set()

    def drop(self) -> None:
        """Lose every held call (answered 503 to whoever still listens) and stop holding."""
        self.dropped = True
        self.released.set()


class RestServer:
    """Turns aiohttp requests into route handler calls and records them."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.requests: list[RecordedRequest] = []
        self.unknown_requests: list[RecordedRequest] = []
        self.rate_limit_rules: list[RateLimitRule] = []
        self.fault_rules: list[FaultRule] = []
        self.holds: list[HeldAnswers] = []
        self.request_holds: list[HeldRequests] = []
        self._global_window: collections.deque[float] = collections.deque()

    # ------------------------------------------------------------------ entry point
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for everything under ``/api/``."""
        raw_path = request.path
        path = raw_path[len(API_PREFIX) :] if raw_path.startswith(API_PREFIX + "/") else None
        record = RecordedRequest(
            method=request.method,
            path=path if path is not None else raw_path,
            route=None,
            json=None,
            query=dict(request.query),
            headers=dict(request.headers),
            time=time.time(),
            audit_reason=audit_reason(request),
        )
        self.requests.append(record)
        ctx: Ctx | None = None
        try:
            body, files = await self._read_body(request)
            record.json, record.files = body, files
            spec, params, other_method = (
                match(request.method, path) if path is not None else (None, {}, False)
            )
            if spec is None:
                self.unknown_requests.append(record)
                if other_method:
                    raise errors.APIError(405, 0, "405: Method Not Allowed")
                raise errors.not_found()
            record.route = spec.template
            authorization = request.headers.get("Authorization", "")
            bot_or_bearer = authorization == f"Bot {self.fake.token}" or (
                spec.bearer and authorization.startswith("Bearer ")
            )
            if spec.auth and not bot_or_bearer:
                raise errors.unauthorized()
            await self._held_request(spec)
            fault = self._fault(spec)
            late = fault is not None and fault[1].endswith("-after")
            limited = self._rate_limited(spec) if fault is None or late else None
            if fault is not None and not late:
                reply = self._fault_reply(*fault, spec.template)
            elif limited is not None:
                reply = limited
            else:
                ctx = Ctx(self.fake, request, path or "", params, body, files)
                result = await spec.handler(ctx)
                reply = result if isinstance(result, Reply) else Reply(204 if result is None else 200, result)
                if fault is not None and reply.status < 300:  # it happened, but the answer is lost
                    reply = self._fault_reply(fault[0], fault[1].removesuffix("-after"), spec.template)
        except errors.APIError as exc:
            reply = Reply(exc.status, exc.body())
        except _Lost:
            reply = Reply(503, headers={"Content-Type": "text/plain"}, text=_UPSTREAM_503)
        except _BadJSON:
            reply = Reply(400, {"message": "The request body contains invalid JSON.", "code": 50109})
        record.status = reply.status
        record.response = reply.body if reply.text is None else reply.text
        for hold in self.holds:
            if (
                ctx is not None
                and not hold.released.is_set()
                and (hold.method, hold.template)
                == (
                    request.method,
                    record.route,
                )
            ):
                hold.waiting += 1
                await hold.released.wait()
        response = await self._write(request, reply, record.route)
        if ctx is not None:
            for callback in ctx._after_write:
                callback()
        return response

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            body: Any = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if part is None:  # pragma: no cover - aiohttp typing
                    break
                data = await part.read()  # type: ignore[union-attr]
                name = part.name or ""
                if name == "payload_json":
                    try:
                        body = json.loads(data.decode())
                    except ValueError:
                        raise _BadJSON from None
                elif part.filename is not None:  # type: ignore[union-attr]
                    files.append(
                        UploadedFile(
                            name,
                            part.filename,  # type: ignore[union-attr]
                            part.headers.get("Content-Type", "application/octet-stream"),
                            bytes(data),
                        )
                    )
            return body, files
        if ctype == "application/x-www-form-urlencoded":  # OAuth2's token endpoint
            return {key: str(value) for key, value in (await request.post()).items()}, []
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw.decode()), []
        except ValueError:
            raise _BadJSON from None

    async def _held_request(self, spec: RouteSpec) -> None:
        for hold in self.request_holds:
            if not hold.released.is_set() and (hold.method, hold.template) == (spec.method, spec.template):
                hold.waiting += 1
                await hold.released.wait()
                if hold.dropped:
                    raise _Lost

    # ------------------------------------------------------------------ rate limits
    def _rate_limited(self, spec: RouteSpec) -> Reply | None:
        for rule in self.rate_limit_rules:
            if rule.times > 0 and rule.method == spec.method and rule.template == spec.template:
                rule.times -= 1
                return self._429(
                    rule.retry_after, global_=rule.global_, scope=rule.scope, template=spec.template
                )
        limit = self.fake.global_rate_limit
        if limit and spec.global_limit:
            # A sliding window, as Discord's since 2022: at most ``limit`` requests counted (a 429'd
            # one is not) in any second, wherever it starts; Retry-After: when the oldest leaves it.
            now = time.monotonic()
            window = self._global_window
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                retry = max(0.001, 1.0 - (now - window[0]))
                return self._429(round(retry, 3), global_=True, scope="global", template=spec.template)
            window.append(now)
        return None

    def _fault(self, spec: RouteSpec) -> tuple[FaultRule, str] | None:
        for rule in self.fault_rules:
            if rule.method == spec.method and rule.template == spec.template:
                kind = rule.draw()
                return None if kind is None else (rule, kind)
        return None

    def _fault_reply(self, rule: FaultRule, kind: str, template: str) -> Reply:
        if kind == "429":
            return self._429(rule.retry_after, global_=False, scope="user", template=template)
        if kind == "429-shared":
            return self._429(rule.retry_after, global_=False, scope="shared", template=template)
        if kind == "429-global":
            return self._429(rule.retry_after, global_=True, scope="global", template=template)
        if kind == "500":
            return Reply(500, {"message": "500: Internal Server Error", "code": 0})
        if kind == "404":
            return Reply(404, {"message": "404: Not Found", "code": 0})
        if kind == "502":
            return Reply(502, headers={"Content-Type": "text/html"}, text=_CLOUDFLARE_502)
        return Reply(503, headers={"Content-Type": "text/plain"}, text=_UPSTREAM_503)

    @staticmethod
    def _429(retry_after: float, *, global_: bool, scope: str, template: str) -> Reply:
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, int(-(-retry_after // 1)))),
            "X-RateLimit-Scope": scope,
        }
        if global_:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update(
                {
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": _bucket(template),
                }
            )
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": global_,
            "code": 0,
        }
        return Reply(429, body, headers)

    # ------------------------------------------------------------------ output
    async def _write(self, request: web.Request, reply: Reply, template: str | None) -> web.StreamResponse:
        headers = {"Via": "1.1 google"}
        if template is not None and reply.status != 429 and reply.text is None:
            headers.update(
                {
                    "X-RateLimit-Limit": "50",
                    "X-RateLimit-Remaining": "49",
                    "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
                    "X-RateLimit-Reset-After": "1.000",
                    "X-RateLimit-Bucket": _bucket(template),
                }
            )
        headers.update(reply.headers)
        if reply.status == 204:
            response = web.Response(status=204, headers=headers)
        elif reply.text is not None:
            response = web.Response(status=reply.status, body=reply.text.encode(), headers=headers)
        else:
            headers["Content-Type"] = "application/json"
            response = web.Response(status=reply.status, body=dumps(reply.body).encode(), headers=headers)
        await response.prepare(request)
        await response.write_eof()
        await asyncio.sleep(0)
        return response


class _BadJSON(Exception):
    pass


def _bucket(template: str) -> str:
    return hashlib.md5(template.encode(), usedforsecurity=False).hexdigest()[:16]


class _Lost(Exception):
    """A held request was dropped: it never reached Discord."""
