"""The classroom's web server: a small Starlette app over one `Room`, served by uvicorn.

Pages: `/` the projector, `/join` and `/team` a team's device, `/facilitator` the console (PIN),
`/debrief` at the end. Each page polls its JSON view (`/api/...`) about once a second; the server keeps
the only game state. Team and facilitator credentials are HttpOnly, SameSite=Strict cookies holding
the join code (with the device's own token) or the PIN. Every request to `/api/` that does not fit gets a
4xx with one line of JSON, never a traceback; the join and login forms answer with their page and one
line saying what was wrong, the typed code kept; nothing is written outside the room's `out` folder.

Under attack: a body is refused as soon as it is longer than MAX_BODY, while it is read (a chunked
body too), so no request makes the server hold more; every check of a code or PIN, in a cookie or a
form, counts a wrong one against the client's address, and too many in a minute are answered 429;
the address is the connection's, not what an X-Forwarded-For header claims, unless the server is told
to trust a proxy (`server_config`); pages show fixed messages, never text from the address bar.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sim.classroom.devices import Device, clean_name
from sim.classroom.room import Room, Stale, typed_code
from sim.core.errors import SimError

STATIC = Path(__file__).parent / "static"
MAX_BODY = 4096                  # bytes of a request body; a move, a message or a command fits easily
FAILED_TRIES = 20                # wrong codes or PINs from one address in a minute before 429
MAX_CREDENTIAL = 64              # characters of a code or PIN worth comparing (they have 8)
# what the join and login pages say after a failed try, by the code in their address (?error=CODE)
PAGE_ERRORS = {"code": "That code is not a team's code.", "pin": "Wrong PIN."}
TOO_MANY = "Too many wrong tries from this device: wait a minute, then type it again."
TEAM_COOKIE, DEVICE_COOKIE, PIN_COOKIE = "team", "device", "pin"

templates = Environment(loader=PackageLoader("sim.classroom", "templates"), autoescape=select_autoescape())


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(template).render(**context), status_code=status,
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                 "Content-Security-Policy": "default-src 'self'; img-src 'self' data:"})


def refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class Guard:
    """Counts wrong codes and PINs per client address; too many in a minute and it answers 429."""

    def __init__(self, tries: int = FAILED_TRIES, window: float = 60.0):
        self.tries, self.window = tries, window
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def blocked(self, who: str) -> bool:
        times = self.failures.get(who)
        if times is None:
            return False
        while times and time.monotonic() - times[0] > self.window:
            times.popleft()
        if not times:
            del self.failures[who]       # nothing kept for an address that stopped
        return len(times) >= self.tries

    def failed(self, who: str) -> None:
        self.failures[who].append(time.monotonic())


def well_formed(value: str | None) -> bool:
    """Whether `value` could be a code or PIN at all (short printable ASCII): only such are compared."""
    return value is not None and len(value) <= MAX_CREDENTIAL and value.isascii() and value.isprintable()


def server_config(app: Starlette, trusted_proxies: str | None = None) -> Any:
    """uvicorn's configuration for `app`: X-Forwarded-For believed only from `trusted_proxies` (addresses,
    comma-separated; none by default: uvicorn would otherwise believe it from 127.0.0.1, and the guard
    count each address such a header claims)."""
    import uvicorn

    return uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                          proxy_headers=bool(trusted_proxies), forwarded_allow_ips=trusted_proxies or "")


def make_app(room: Room, *, join_url: str = "",
             write_debrief: Callable[[Room], Awaitable[dict[str, Path] | None]] | None = None,
             tick_seconds: float = 0.25) -> Starlette:
    """The app for `room`. `join_url` is what the projector shows; `write_debrief` runs at the end."""
    guard = Guard()
    debriefing: dict[str, asyncio.Task[None] | None] = {"task": None}

    def client(request: Request) -> str:
        return request.client.host if request.client else "?"

    def checked(request: Request, value: str | None, check: Callable[[str], Any], cookie: str | None = None) -> Any:
        """`check(value)` of a code or PIN the request gives (None if it gives none): a wrong one counts
        against the client, too many and the answer is 429, whatever the value. A wrong cookie is also
        removed from the browser with the answer (see `forget`)."""
        if value is None:
            return None
        who = client(request)
        if guard.blocked(who):
            raise HTTPException(429, "too many wrong codes or PINs from this address; allowed: wait a minute")
        result = check(value) if well_formed(value) else None
        if not result:
            guard.failed(who)
            if cookie is not None:
                request.state.forget = cookie
        return result

    def team_of(request: Request) -> str | None:
        return checked(request, request.cookies.get(TEAM_COOKIE), room.team_of, TEAM_COOKIE)

    def device_of(request: Request, team: str | None) -> Device | None:
        """The device of `team` whose token the request's cookie holds (the code, checked first, is the
        secret that counts against the client; a token is only looked at with a right code)."""
        return room.device(request.cookies.get(DEVICE_COOKIE), team) if team else None

    def facilitator(request: Request) -> bool:
        return bool(checked(request, request.cookies.get(PIN_COOKIE), room.is_facilitator, PIN_COOKIE))

    def forget(request: Request, response: Response) -> Response:
        """The response, removing from the browser a cookie that held a wrong code or PIN."""
        cookie = getattr(request.state, "forget", None)
        if cookie is not None:
            response.delete_cookie(cookie, httponly=True, samesite="strict")
        return response

    async def body(request: Request) -> dict[str, Any]:
        length = request.headers.get("content-length")
        if length is not None and not (length.isascii() and length.isdigit()):
            raise HTTPException(400, "Content-Length is not a number")
        if length is not None and (len(length) > 9 or int(length) > MAX_BODY):
            raise HTTPException(413, f"a request body over {MAX_BODY} bytes")
        parts, size = [], 0
        async for chunk in request.stream():     # refused on the chunk that crosses the limit, the rest not read
            size += len(chunk)
            if size > MAX_BODY:
                raise HTTPException(413, f"a request body over {MAX_BODY} bytes")
            parts.append(chunk)
        raw = b"".join(parts)
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                data = json.loads(raw or b"{}")
            except (ValueError, RecursionError):      # not JSON, not UTF-8, nested deeper than Python reads
                raise HTTPException(400, "the body is not JSON") from None
        else:   # a page's form (urlencoded; parsed here, so no multipart library is needed)
            try:
                data = dict(parse_qsl(raw.decode("utf-8"), max_num_fields=20))
            except (UnicodeDecodeError, ValueError):
                raise HTTPException(400, "the form is not urlencoded UTF-8") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise HTTPException(400, "the body must be an object of strings")
        return data

    def after_change() -> None:
        if room.phase == "over" and room.debrief is None and room.debrief_error is None \
                and write_debrief is not None and debriefing["task"] is None:
            debriefing["task"] = asyncio.get_running_loop().create_task(_debrief(write_debrief))

    async def _debrief(write: Callable[[Room], Awaitable[dict[str, Path] | None]]) -> None:
        generation = room.generation
        try:
            files = await write(room)
            if files is not None and generation == room.generation:   # else of an ending since undone
                room.debriefed(files=files)
        except Exception as exc:   # said once on the pages; not tried again on every tick
            if generation == room.generation:
                room.debriefed(error=f"the debrief could not be written: {exc}")
        finally:
            debriefing["task"] = None

    async def act(fn: Callable[[], Any]) -> JSONResponse:
        try:
            result = fn()
        except SimError as exc:
            return refuse(409, str(exc))
        if isinstance(result, Stale):        # a click after the game moved on: nothing was done
            return JSONResponse({"ok": True, "done": False, "note": result.note, "version": room.version,
                                 "step": room.step})
        after_change()
        return JSONResponse({"ok": True, "done": True,
                             "result": result if isinstance(result, (str, int, float)) else None,
                             "version": room.version, "step": room.step})

    # ------------------------------------------------------------ pages

    async def projector(request: Request) -> Response:
        base, slash, path = join_url.rpartition("/")       # the address breaks before its path, never in the port
        return page("projector.html", title=room.projector_view()["title"], join_base=base,
                    join_path=slash + path if base else join_url)

    def join_form(request: Request, status: int = 200, error: str = "", code: str = "", name: str = "") -> Response:
        return forget(request, page("join.html", status, title="Join the game", error=error, code=code, name=name))

    async def join_page(request: Request) -> Response:
        team = team_of(request)
        if team and device_of(request, team):
            return RedirectResponse("/team", status_code=303)
        # a device that holds its team's code but no name yet (or one from before): the code is kept
        return join_form(request, error=PAGE_ERRORS.get(request.query_params.get("error", ""), ""),
                         code=room.seats[team].code if team else "")

    async def join(request: Request) -> Response:
        if guard.blocked(client(request)):
            return join_form(request, 429, TOO_MANY)
        data = await body(request)
        code, name = data.get("code", "")[:MAX_CREDENTIAL], data.get("name", "")[:200]
        team = checked(request, code, room.team_of)
        if team is None:
            return join_form(request, 400, PAGE_ERRORS["code"] + " Check it and try again.", code=code, name=name)
        try:
            clean_name(name)
            device = room.join(team, name)
        except (ValueError, SimError) as exc:
            return join_form(request, 400, str(exc), code=code, name=name)
        response = RedirectResponse("/team", status_code=303)
        response.set_cookie(TEAM_COOKIE, room.seats[team].code, httponly=True, samesite="strict")
        response.set_cookie(DEVICE_COOKIE, device.token, httponly=True, samesite="strict")
        return response

    async def team_page(request: Request) -> Response:
        team = team_of(request)
        if team is None or device_of(request, team) is None:
            return forget(request, RedirectResponse("/join", status_code=303))
        return page("team.html", title=f"{team}: {room.game.names[room.game.index[team]]}", team=team)

    async def facilitator_page(request: Request) -> Response:
        if not facilitator(request):
            return forget(request, page("login.html", title="Facilitator",
                                        error=PAGE_ERRORS.get(request.query_params.get("error", ""), "")))
        return page("facilitator.html", title="Facilitator console")

    async def login(request: Request) -> Response:
        if guard.blocked(client(request)):
            return forget(request, page("login.html", 429, title="Facilitator", error=TOO_MANY))
        pin = (await body(request)).get("pin", "")
        if not checked(request, pin, room.is_facilitator):
            return RedirectResponse("/facilitator?error=pin", status_code=303)
        response = RedirectResponse("/facilitator", status_code=303)
        response.set_cookie(PIN_COOKIE, typed_code(pin), httponly=True, samesite="strict")
        return response

    async def qr(request: Request) -> Response:
        import segno

        svg = io.BytesIO()
        segno.make(join_url or "/join", error="m").save(svg, kind="svg", scale=8, border=2)
        return Response(svg.getvalue(), media_type="image/svg+xml")

    async def debrief(request: Request) -> Response:
        if room.debrief is None:
            return page("waiting.html", title="Debrief", error=room.debrief_error or "")
        name = request.path_params.get("name", "debrief.html")
        files = {p.name: p for p in room.debrief.values()}
        path = files.get(name)
        if path is None or not path.is_file():
            return refuse(404, f"no debrief file {name[:40]!r}")
        return FileResponse(path)

    # ------------------------------------------------------------ views

    def the_device(request: Request) -> Device:
        team = team_of(request)
        device = device_of(request, team)
        if device is None:
            raise HTTPException(401, "not a team's device: join with your team's code and your name")
        return device

    def the_facilitator(request: Request) -> None:
        if not facilitator(request):
            raise HTTPException(401, "not the facilitator: log in with the PIN")

    def current(request: Request, make: Callable[[], dict[str, Any]]) -> JSONResponse:
        """The view, or a few bytes if the page already shows this version (`?since=N`)."""
        if request.query_params.get("since") == f"{room.boot}.{room.version}":
            return JSONResponse({"version": room.version, "boot": room.boot, "same": True})
        return JSONResponse(make())

    async def projector_api(request: Request) -> Response:
        return current(request, room.projector_view)

    async def team_api(request: Request) -> Response:
        device = the_device(request)
        room.seen(device)
        return current(request, lambda: room.team_view(device.team, device))

    async def facilitator_api(request: Request) -> Response:
        the_facilitator(request)
        return current(request, room.facilitator_view)

    # ------------------------------------------------------------ acts

    def whole_number(text: str, what: str, allowed: str, digits: int) -> int:
        """`text` as a whole number of at most `digits` digits; else a 400 naming `what` and what is allowed."""
        if not (text.isascii() and text.isdigit() and len(text) <= digits):
            raise HTTPException(400, f"{what} {text[:20]!r}: allowed: {allowed}")
        return int(text)

    def turn_of(data: dict[str, str]) -> int | None:
        """The turn a team's act was meant for (None if the request does not say)."""
        text = data.get("turn", "").strip()
        return whole_number(text, "turn", "a turn's number", 8) if text else None

    async def team_move(request: Request) -> Response:
        device = the_device(request)
        data = await body(request)
        return await act(lambda: room.submit(device.team, data.get("move", ""), device, turn_of(data)).label)

    async def team_propose(request: Request) -> Response:
        device = the_device(request)
        data = await body(request)
        return await act(lambda: room.propose(device, data.get("move", ""), turn_of(data)))

    async def team_offer(request: Request) -> Response:
        device = the_device(request)
        data = await body(request)
        return await act(lambda: room.offer(device, data.get("to", ""), data.get("we", ""), data.get("you", ""),
                                            turn_of(data)))

    async def team_answer(request: Request) -> Response:
        device = the_device(request)
        data = await body(request)
        number = whole_number(data.get("offer", "").strip(), "offer", "an offer's number", 5)
        return await act(lambda: room.answer_offer(device, number, data.get("accept", "") == "true", turn_of(data)))

    async def team_captain(request: Request) -> Response:
        device = the_device(request)
        data = await body(request)
        number = whole_number(data.get("number", "").strip(), "device", "a device's number", 5)
        return await act(lambda: room.hand_over(device, number))

    async def team_message(request: Request) -> Response:
        device = the_device(request)
        data = await body(request)
        return await act(lambda: room.message(device.team, data.get("to", "all"), data.get("text", ""),
                                              by=device.name).id)

    async def facilitator_act(request: Request) -> Response:
        the_facilitator(request)
        data = await body(request)
        step = data.pop("step", None)
        return await act(lambda: room.command(request.path_params["action"], step, data))

    # ------------------------------------------------------------ the app

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return forget(request, refuse(exc.status_code, str(exc.detail)))

    def safe(endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        """The endpoint, with a fault answered as one line of JSON (and logged) instead of a traceback."""
        async def guarded(request: Request) -> Response:
            try:
                return await endpoint(request)
            except HTTPException:
                raise
            except Exception as exc:
                room.events.append({"t": time.strftime("%H:%M:%S"), "turn": room.game.next_turn, "who": "server",
                                    "what": f"internal error on {request.url.path}: {type(exc).__name__}: {exc}"})
                return refuse(500, "internal error; the game is unchanged and saved")
        return guarded

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async def ticking() -> None:
            while True:
                await asyncio.sleep(tick_seconds)
                try:
                    room.tick()
                    after_change()
                except SimError as exc:   # pragma: no cover - a turn that cannot be played is logged
                    room.events.append({"t": time.strftime("%H:%M:%S"), "turn": room.game.next_turn,
                                        "who": "server", "what": f"could not reveal: {exc}"})

        task = asyncio.create_task(ticking())
        try:
            yield
        finally:
            task.cancel()
            if debriefing["task"] is not None:
                with contextlib.suppress(BaseException):
                    await debriefing["task"]

    endpoints = [
        ("/", projector, "GET"), ("/join", join_page, "GET"), ("/join", join, "POST"),
        ("/team", team_page, "GET"), ("/facilitator", facilitator_page, "GET"), ("/facilitator", login, "POST"),
        ("/qr.svg", qr, "GET"), ("/debrief", debrief, "GET"), ("/debrief/{name}", debrief, "GET"),
        ("/api/projector", projector_api, "GET"), ("/api/team", team_api, "GET"),
        ("/api/facilitator", facilitator_api, "GET"), ("/api/team/move", team_move, "POST"),
        ("/api/team/message", team_message, "POST"), ("/api/team/propose", team_propose, "POST"),
        ("/api/team/captain", team_captain, "POST"), ("/api/team/offer", team_offer, "POST"),
        ("/api/team/answer", team_answer, "POST"), ("/api/facilitator/{action}", facilitator_act, "POST"),
    ]
    routes: list[Route | Mount] = [Route(path, safe(fn), methods=[method]) for path, fn, method in endpoints]
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error})
