"""The web classroom's game room and server: secrecy, bots, the timer, undo, messages, security, replay."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sim.classroom.room import ALPHABET, CODE_LENGTH, Room
from sim.classroom.server import MAX_BODY, make_app
from sim.core import scenario
from sim.core.codes import KEEP_FORCE
from sim.play import savefile
from sim.play.engine import Game, PlayError


class Clock:
    """A hand-driven clock for the turn timer."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def scn():
    return scenario.load("inf_2018")


def make_room(scn, tmp_path: Path, teams=("US", "RU", "NATO"), turn_seconds: float = 60, turns: int = 6):
    clock = Clock()
    room = Room(Game(scn, seed=3, humans=list(teams), turns=turns), tmp_path, turn_seconds=turn_seconds,
                band_runs=20, clock=clock)
    return room, clock


def without_clockwork(view: dict) -> dict:
    return {k: v for k, v in view.items() if k not in ("version", "news", "boot")}


# ---------------------------------------------------------------- the room


def test_codes_and_pin_are_long_random_and_each_names_one_team(scn, tmp_path):
    room, _ = make_room(scn, tmp_path)
    codes = [seat.code for seat in room.seats.values()]
    assert len(set(codes)) == 3 and room.pin not in codes
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    for team, seat in room.seats.items():
        assert room.team_of(seat.code) == team and room.team_of(seat.code.lower()) == team
    assert room.team_of("") is None and room.team_of(codes[0][:-1]) is None and room.team_of(room.pin) is None
    assert room.is_facilitator(room.pin) and not room.is_facilitator(codes[0]) and not room.is_facilitator("")


def test_a_team_nobody_joined_is_a_bot_until_someone_joins(scn, tmp_path):
    room, _ = make_room(scn, tmp_path)
    assert room.game.bots == {"US", "RU", "NATO"}
    room.join("US")
    assert room.game.bots == {"RU", "NATO"}
    room.start()
    room.submit("US", "dialogue")          # the only team of people: the turn is revealed at once
    rec = room.game.history[-1]
    assert rec.chosen_by == ("team", "bot", "bot")
    assert room.game.turn == 1 and room.phase == "playing"
    me = room.team_view("US")["me"]          # the score in words, against what the side could have got
    assert re.fullmatch(r"\d+/10 \w+", me["score"]) and "out of 10" in me["score_legend"]


def test_no_team_sees_another_teams_move_before_the_reveal(scn, tmp_path):
    views = []
    for move in ("withdrawal", "dialogue"):
        room, _ = make_room(scn, tmp_path / move)
        room.join("US")
        room.join("RU")
        room.start()
        room.submit("US", move)
        assert room.game.turn == 0           # RU has not submitted: nothing revealed
        views.append((room.team_view("RU"), room.projector_view(), room.team_view("US")))
    (ru_a, wall_a, us_a), (ru_b, wall_b, us_b) = views
    assert without_clockwork(ru_a) == without_clockwork(ru_b)       # RU's view does not depend on US's move
    assert without_clockwork(wall_a) == without_clockwork(wall_b)
    assert us_a["me"]["choice"] == "withdrawal" and us_b["me"]["choice"] == "dialogue"
    assert {t["id"]: t["submitted"] for t in ru_a["teams"]} == {"US": True, "RU": False, "NATO": False}


def test_the_timer_reveals_and_a_late_team_is_played_by_its_rule_that_turn_only(scn, tmp_path):
    room, clock = make_room(scn, tmp_path, turn_seconds=60)
    room.join("US")
    room.join("RU")
    room.start()
    room.submit("US", "hold")
    clock.now += 59
    room.tick()
    assert room.game.turn == 0 and room.seconds_left() == pytest.approx(1)
    clock.now += 1
    room.tick()
    assert room.game.turn == 1
    assert room.game.history[-1].chosen_by == ("team", "bot", "bot")
    assert room.game.waiting_for() == ["US", "RU"]          # RU is a team again next turn
    assert any("RU had not submitted" in e["what"] for e in room.events)


def test_pause_freezes_the_timer_and_resume_goes_on_from_there(scn, tmp_path):
    room, clock = make_room(scn, tmp_path, turn_seconds=100)
    room.join("US")
    room.join("RU")
    room.start()
    clock.now += 30
    room.pause()
    clock.now += 500
    room.tick()
    assert room.game.turn == 0 and room.seconds_left() == pytest.approx(70)
    room.submit("US", "hold")            # teams may still decide while the clock is stopped
    room.submit("RU", "hold")
    assert room.game.turn == 1 and room.phase == "paused" and room.seconds_left() == pytest.approx(100)
    clock.now += 1000
    room.tick()
    assert room.game.turn == 1
    room.submit("US", "hold")
    clock.now += 30
    room.resume()
    clock.now += 99
    room.tick()
    assert room.game.turn == 1
    clock.now += 1
    room.tick()
    assert room.game.turn == 2 and room.game.history[-1].chosen_by[:2] == ("team", "bot")


def test_undo_takes_back_a_turn_and_reopens_a_finished_game(scn, tmp_path):
    room, _ = make_room(scn, tmp_path, teams=("US",), turns=2)
    room.join("US")
    room.start()
    room.submit("US", "dialogue")
    first = room.game.escalation_path()
    room.submit("US", "withdrawal")
    assert room.phase == "over" and room.game.over_reason == "turns"
    assert room.undo() == "turn"
    assert room.phase == "paused" and room.game.turn == 1 and room.game.escalation_path() == first
    room.resume()
    room.submit("US", "hold")
    assert room.phase == "over" and room.game.history[-1].moves[0].label == "hold"


def test_messages_reach_only_their_readers_and_the_facilitator(scn, tmp_path):
    room, _ = make_room(scn, tmp_path)
    for team in ("US", "RU", "NATO"):
        room.join(team)
    room.message("US", "RU", "secret <b>offer</b>")
    room.message("NATO", "all", "to everyone")
    texts = {team: [m["text"] for m in room.team_view(team)["messages"]] for team in ("US", "RU", "NATO")}
    assert texts == {"US": ["secret <b>offer</b>", "to everyone"], "RU": ["secret <b>offer</b>", "to everyone"],
                     "NATO": ["to everyone"]}
    assert len(room.facilitator_view()["messages"]) == 2
    assert "messages" not in room.projector_view()
    for bad, needle in (("", "empty"), ("x" * 501, "at most 500")):
        with pytest.raises(PlayError, match=needle):
            room.message("US", "RU", bad)
    with pytest.raises(PlayError, match="allowed: all"):
        room.message("US", "XX", "hi")


def test_the_saved_game_replays_exactly_with_bots_late_teams_injections_and_undo(scn, tmp_path):
    room, clock = make_room(scn, tmp_path, turn_seconds=30, turns=5)
    room.join("US")
    room.join("NATO")
    room.start()
    room.submit("US", "dialogue")
    room.submit("NATO", "hold")
    room.inject("inject leader RU hawk")      # as the usage line writes it
    room.submit("US", "withdrawal")
    clock.now += 31                          # NATO is late
    room.tick()
    room.undo()
    room.submit("US", "ultimatum")
    room.submit("NATO", "dialogue")
    room.set_bot("NATO", True)
    room.submit("US", "hold")
    saved = savefile.read(tmp_path / "game.json")
    again = savefile.restore(saved)
    assert again.escalation_path() == room.game.escalation_path()
    assert [r.chosen_by for r in again.history] == [r.chosen_by for r in room.game.history]
    assert [r.chosen_by[2] for r in room.game.history] == ["team", "team", "bot"]
    logged = [json.loads(line)["what"] for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert "started the game" in logged and "undid the last turn" in logged
    assert any(w.startswith("injected leader RU hawk") for w in logged)


# ---------------------------------------------------------------- the server


@pytest.fixture()
def served(scn, tmp_path):
    room, _ = make_room(scn, tmp_path, turn_seconds=0)
    with TestClient(make_app(room, join_url="http://test/join"), follow_redirects=False) as client:
        yield room, client


def join(client: TestClient, code: str, name: str = "Ana") -> None:
    r = client.post("/join", data={"code": code, "name": name})
    assert r.status_code == 303 and r.headers["location"] == "/team", r.text
    client.cookies.set("team", r.cookies["team"])
    client.cookies.set("device", r.cookies["device"])


def test_a_team_joins_with_its_code_and_acts_only_for_itself(served):
    room, client = served
    r = client.post("/join", data={"code": "WRONG123", "name": "Ana"})
    assert r.status_code == 400 and "not a team&#39;s code" in r.text
    assert 'value="WRONG123"' in r.text and 'value="Ana"' in r.text       # what was typed stays in the boxes
    assert client.get("/api/team").status_code == 401
    join(client, room.seats["RU"].code)
    view = client.get("/api/team").json()
    assert view["me"]["id"] == "RU" and room.seats["RU"].joined and "RU" not in room.game.bots
    client.cookies.set("pin", room.pin)
    assert client.post("/api/facilitator/start").json()["ok"]
    r = client.post("/api/team/move", json={"move": "dialogue", "team": "US"})    # "team" is ignored
    assert r.status_code == 200 and room.game.history[-1].chosen_by[1] == "team"
    assert room.game.history[-1].chosen_by[0] == "bot"


def test_requests_that_do_not_fit_get_a_4xx_with_one_line_never_a_traceback(served):
    room, client = served
    join(client, room.seats["US"].code)
    cases = [
        client.post("/api/team/move", json={"move": "hold"}),                 # not started
        client.post("/api/team/move", content=b"{not json", headers={"content-type": "application/json"}),
        client.post("/api/team/move", json=["a", "list"]),
        client.post("/api/team/move", json={"move": 3}),
        client.post("/api/team/message", content=b"x" * (MAX_BODY + 1), headers={"content-type": "text/plain"}),
        client.post("/api/facilitator/start"),                                # a team is not the facilitator
        client.get("/api/facilitator"),
        client.get("/debrief/../../etc/passwd"),
        client.get("/nowhere"),
        client.delete("/api/team/move"),
    ]
    client.cookies.set("pin", room.pin)
    room.start()
    cases += [client.post("/api/facilitator/explode"), client.post("/api/team/move", json={"move": "deployment"}),
              client.post("/api/facilitator/inject", json={"text": "nonsense here"}),
              client.post("/api/facilitator/bot", json={"team": "XX", "on": "true"})]
    statuses = [r.status_code for r in cases]
    assert all(400 <= s < 500 for s in statuses), statuses
    for r in cases:
        assert "Traceback" not in r.text and len(r.text.splitlines()) <= 1
    illegal = cases[-3].json()["error"]
    assert "deployment" in illegal and "allowed" in illegal


@pytest.mark.parametrize("odd", ["²", "①", "𐩀", "9" * 5000])
def test_a_move_or_forced_move_of_odd_digits_or_a_huge_number_is_a_4xx_with_a_message(served, odd):
    room, client = served
    join(client, room.seats["US"].code)
    client.cookies.set("pin", room.pin)
    room.start()
    for r in (client.post("/api/team/move", json={"move": odd}),
              client.post("/api/facilitator/inject", json={"text": f"force RU {odd}"}),
              client.post("/api/facilitator/inject", json={"text": f"inject set risk.h_max={odd}"})):
        assert 400 <= r.status_code < 500, r.text
        assert 0 < len(r.json()["error"]) < 400 and "\n" not in r.json()["error"]
    assert room.game.turn == 0 and not room.game.injections and room.phase == "playing"


def test_too_many_wrong_codes_are_refused_for_a_while(served):
    room, client = served
    for _ in range(20):
        client.post("/join", data={"code": "AAAAAAAA"})
    r = client.post("/join", data={"code": room.seats["US"].code})
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("text/html") and "wait a minute" in r.text     # a page, not JSON


# ---------------------------------------------------------------- the server under attack (issue 24, items 9-10)


def _asgi_post(app, path: str, chunks, headers=()):
    """POST `path` to the ASGI `app` with a body sent as `chunks` (chunked: no Content-Length); returns the
    status and how many chunks the app read before it answered."""
    import asyncio

    sent = {"chunks": 0}
    answer = {}
    source = iter(chunks)

    async def receive():
        chunk = next(source, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        sent["chunks"] += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"test"), (b"transfer-encoding", b"chunked"), *headers],
             "client": ("192.0.2.7", 5000), "server": ("test", 80)}
    asyncio.run(app(scope, receive, send))
    return answer["status"], sent["chunks"]


@pytest.mark.parametrize("path", ["/join", "/facilitator", "/api/team/move"])
def test_a_chunked_body_over_the_limit_is_refused_while_it_is_read(scn, tmp_path, path):
    room, _ = make_room(scn, tmp_path)
    token = room.join("US", "Ana").token
    headers = [(b"cookie", f"team={room.seats['US'].code}; device={token}".encode())] if path.startswith("/api") else []
    megabyte = (b"x" * 1024 for _ in range(1024))     # 1 MB in 1 KB chunks; 256 MB took 256 MB of memory
    status, read = _asgi_post(make_app(room), path, megabyte, headers)
    assert status == 413 and read <= MAX_BODY // 1024 + 1, (status, read)


@pytest.mark.parametrize("length", ["abc", "-1", "9" * 400, "\u0661\u0662"])
def test_a_content_length_that_is_not_a_number_is_a_4xx(served, length):
    _room, client = served
    r = client.post("/join", content=b"code=X", headers={"content-length": length.encode("utf-8"),
                                                         "content-type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500 and "Traceback" not in r.text, r.text


@pytest.mark.parametrize("where", ["team_api", "team_page", "team_move", "pin_api", "pin_page", "pin_act"])
def test_every_check_of_a_cookie_is_rate_limited(served, where):
    room, client = served
    cookie = "pin" if where.startswith("pin") else "team"
    request = {"team_api": ("GET", "/api/team"), "team_page": ("GET", "/team"),
               "team_move": ("POST", "/api/team/move"), "pin_api": ("GET", "/api/facilitator"),
               "pin_page": ("GET", "/facilitator"), "pin_act": ("POST", "/api/facilitator/start")}[where]
    statuses = []
    for k in range(25):
        client.cookies.set(cookie, f"GUESS{k:03d}")
        statuses.append(client.request(*request, json={"move": "hold"} if request[0] == "POST" else None).status_code)
    assert 429 in statuses and statuses.index(429) <= 20, statuses
    assert all(s == 429 for s in statuses[statuses.index(429):]), statuses
    client.cookies.set(cookie, room.seats["US"].code if cookie == "team" else room.pin)    # right, but too late
    assert client.request(*request, json={"move": "hold"} if request[0] == "POST" else None).status_code == 429


def test_a_wrong_cookie_is_removed_so_a_stale_one_is_not_counted_again(served):
    _room, client = served
    client.cookies.set("team", "OLDGAME1")
    r = client.get("/api/team")
    assert r.status_code == 401
    assert re.search(r'team=""?; .*Max-Age=0', r.headers["set-cookie"]) or "expires=" in r.headers["set-cookie"].lower()


@pytest.mark.parametrize("raw", [b"team=\xe9t\xe9", b"pin=\xe9t\xe9", b"team=" + b"A" * 5000, b"pin=\x00\x01"])
def test_a_cookie_that_is_not_ascii_or_too_long_is_a_401_not_a_500(served, raw):
    _room, client = served
    path = "/api/team" if raw.startswith(b"team") else "/api/facilitator"
    r = client.get(path, headers={"cookie": raw})
    assert r.status_code == 401, r.text


@pytest.mark.parametrize("form", [{"code": "\u00e9t\u00e9"}, {"code": "\u0661" * 8}, {"code": "A" * 2000}])
def test_a_code_or_pin_that_is_not_ascii_is_a_wrong_try_not_a_500(served, form):
    _room, client = served
    assert client.post("/join", data={**form, "name": "Ana"}).status_code == 400
    assert client.post("/facilitator", data={"pin": form["code"]}).status_code == 303


@pytest.mark.parametrize("body", [b"[" * 2000 + b"]" * 2000, b'{"a":[' * 500 + b"]}" * 500])
def test_deeply_nested_json_is_a_400_not_a_500(served, body):
    room, client = served
    join(client, room.seats["US"].code)
    client.cookies.set("pin", room.pin)
    for path in ("/api/team/move", "/api/team/message", "/api/facilitator/inject"):
        r = client.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["error"] == "the body is not JSON", r.text


@pytest.mark.parametrize("path, code, message", [("/join", "code", "That code is not a team's code."),
                                                 ("/facilitator", "pin", "Wrong PIN.")])
def test_the_join_and_login_pages_say_fixed_messages_never_text_from_the_address(served, path, code, message):
    _room, client = served
    assert message.replace("'", "&#39;") in client.get(f"{path}?error={code}").text
    page = client.get(path, params={"error": "Your code expired: call 555-0100 now"}).text
    assert "555-0100" not in page and "expired" not in page


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(scn, tmp_path):
    from sim.classroom.server import server_config

    room, _ = make_room(scn, tmp_path)
    app = make_app(room)
    assert server_config(app).proxy_headers is False
    config = server_config(app, "10.0.0.1,10.0.0.2")
    assert config.proxy_headers is True and config.forwarded_allow_ips == "10.0.0.1,10.0.0.2"


@pytest.fixture()
def real_server(scn, tmp_path):
    """The app served by uvicorn as `classroom` serves it, on a free port of 127.0.0.1, in a thread."""
    import socket
    import threading
    import time

    import uvicorn

    from sim.classroom.server import server_config

    room, _ = make_room(scn, tmp_path, turn_seconds=0)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(16)
    server = uvicorn.Server(server_config(make_app(room)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield room, listening.getsockname()[1]
    server.should_exit = True
    thread.join(timeout=10)
    listening.close()


@pytest.mark.slow
def test_wrong_pins_from_addresses_a_header_claims_are_one_address_and_blocked(real_server):
    import http.client

    _room, port = real_server

    def wrong_pin(k: int) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/facilitator", body=f"pin=WRONG{k:03d}",
                     headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": f"203.0.113.{k}"})
        status = conn.getresponse().status
        conn.close()
        return status

    statuses = [wrong_pin(k) for k in range(40)]
    assert statuses[:20] == [303] * 20 and set(statuses[20:]) == {429}, statuses


@pytest.mark.slow
def test_a_slow_chunked_body_is_answered_413_before_it_ends(real_server):
    import socket

    _room, port = real_server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"POST /join HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
        for _ in range(8):                     # 8 KB of a body that never ends
            conn.sendall(b"400\r\n" + b"x" * 1024 + b"\r\n")
        answer = conn.recv(200)                # before any end of the body is sent: the server answered
    assert answer.startswith(b"HTTP/1.1 413"), answer


def test_pages_escape_what_people_and_scenarios_say(tmp_path):
    scn = scenario.load("inf_2018", {"actors.US.name": "<script>alert(1)</script>"})
    room, _ = make_room(scn, tmp_path)
    with TestClient(make_app(room), follow_redirects=False) as client:
        join(client, room.seats["US"].code)
        page = client.get("/team").text
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert client.get("/").headers["content-security-policy"].startswith("default-src 'self'")


def test_the_views_answer_in_a_few_bytes_when_nothing_changed(served):
    room, client = served
    first = client.get("/api/projector").json()
    since = f"{first['boot']}.{first['version']}"
    again = client.get(f"/api/projector?since={since}")
    assert again.json() == {"version": first["version"], "boot": first["boot"], "same": True}
    assert "turns_played" in client.get(f"/api/projector?since=OTHERB.{first['version']}").json()   # a restart
    room.message("facilitator", "all", "news")
    assert "turns_played" in client.get(f"/api/projector?since={since}").json()


def test_a_fault_in_the_server_is_one_line_and_logged_not_a_traceback(served, monkeypatch):
    room, client = served

    def broken() -> dict:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(room, "projector_view", broken)
    r = client.get("/api/projector")
    assert r.status_code == 500 and r.json() == {"error": "internal error; the game is unchanged and saved"}
    assert "ZeroDivisionError" in room.events[-1]["what"]


@pytest.mark.parametrize("args, needle", [
    (["--teams", "US,XX"], "XX"),
    (["--turn-seconds", "-5"], "--turn-seconds"),
    (["--port", "70000"], "--port"),
    (["--host", "203.0.113.9"], "cannot listen there"),
    (["--trusted-proxy", "10.0.0.1,proxy.example"], "--trusted-proxy"),
])
def test_bad_classroom_options_are_one_line_exit_2_and_nothing_written(tmp_path, capsys, args, needle):
    from sim import cli

    out = tmp_path / "lesson"
    try:
        status = cli.main(["classroom", "inf_2018", "--out", str(out), *args])
    except SystemExit as exc:        # argparse's checks exit; the program's own return
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_a_port_in_use_is_one_line_and_nothing_written(tmp_path, capsys):
    import socket

    from sim import cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        status = cli.main(["classroom", "inf_2018", "--port", str(port), "--out", str(tmp_path / "lesson")])
    err = capsys.readouterr().err
    assert status == 2 and f"--port {port}" in err and "free port" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "lesson").exists()


def test_a_stopped_lesson_goes_on_with_resume_and_its_folder_is_never_reused_for_a_new_game(scn, tmp_path, capsys,
                                                                                          monkeypatch):
    from sim import cli
    from sim.classroom import cli as classroom_cli

    (tmp_path / "lesson").mkdir()
    room, _ = make_room(scn, tmp_path / "lesson", teams=("US",))
    room.join("US")
    room.start()
    room.submit("US", "dialogue")
    room.submit("US", "withdrawal")
    before = (tmp_path / "lesson" / "game.json").read_bytes()
    status = cli.main(["classroom", "inf_2018", "--out", str(tmp_path / "lesson")])
    err = capsys.readouterr().err
    assert status == 2 and "already holds a game" in err and "--resume" in err
    assert (tmp_path / "lesson" / "game.json").read_bytes() == before
    served = {}
    monkeypatch.setattr(classroom_cli, "serve", lambda game, out, *a, **k: served.update(game=game, out=out) or 0)
    assert cli.main(["classroom", "--resume", str(tmp_path / "lesson" / "game.json"), "--port", "0"]) == 0
    assert served["game"].turn == 2 and served["out"] == tmp_path / "lesson"
    assert served["game"].escalation_path() == room.game.escalation_path()
    again = Room(served["game"], tmp_path / "lesson", turn_seconds=60)
    assert again.phase == "paused" and again.game.next_turn == 3


def test_a_debrief_that_cannot_be_written_is_said_once_and_not_tried_again(scn, tmp_path):
    import time as clock

    room, _ = make_room(scn, tmp_path, turn_seconds=0)
    calls = []

    async def failing(room: Room) -> dict:
        calls.append(1)
        raise OSError("No space left on device")

    with TestClient(make_app(room, write_debrief=failing, tick_seconds=0.01)) as client:
        room.end()
        deadline = clock.monotonic() + 5
        while room.debrief_error is None and clock.monotonic() < deadline:
            client.get("/api/projector")
            clock.sleep(0.02)
        clock.sleep(0.3)                 # thirty ticks later
        view = client.get("/api/projector").json()
    assert calls == [1]
    assert "No space left on device" in view["debrief_error"] and view["debrief"] is False


def test_an_undo_while_the_debrief_is_written_keeps_the_games_file_and_drops_that_debrief(scn, tmp_path,
                                                                                          monkeypatch):
    import socket
    import threading
    import time as clock

    import uvicorn

    from sim.classroom import cli as classroom_cli
    from sim.classroom import server
    from sim.play import debrief

    started, release, done = threading.Event(), threading.Event(), threading.Event()
    real = debrief.write_debrief

    def slow_debrief(*args, **kwargs):      # the band takes a while: the facilitator undoes meanwhile
        started.set()
        release.wait(60)
        try:
            return real(*args, **kwargs)
        finally:
            done.set()

    made = {}
    monkeypatch.setattr(debrief, "write_debrief", slow_debrief)
    monkeypatch.setattr(server, "make_app", lambda room, **kw: made.update(room=room, **kw) or None)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
    out = tmp_path / "lesson"
    out.mkdir()
    game = Game(scn, seed=3, humans=["US"], turns=2)
    with socket.socket() as sock:      # the server as `classroom` sets it up, not run
        sock.bind(("127.0.0.1", 0))
        classroom_cli.serve(game, out, sock, "127.0.0.1", turn_seconds=0, band_runs=20)
    room = made["room"]
    app = make_app(room, write_debrief=made["write_debrief"], tick_seconds=0.01)
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set("pin", room.pin)
        join(client, room.seats["US"].code)
        assert client.post("/api/facilitator/start").status_code == 200
        client.post("/api/team/move", json={"move": "dialogue"})
        assert room.phase == "discussion"
        client.post("/api/facilitator/next")
        client.post("/api/team/move", json={"move": "hold"})       # the last turn: the debrief begins
        assert room.phase == "over" and started.wait(30)
        assert client.post("/api/facilitator/undo").status_code == 200    # back to turn 2's briefing
        release.set()
        assert done.wait(120)
        deadline = clock.monotonic() + 10
        while clock.monotonic() < deadline and any(out.glob(".*.partial")):
            client.get("/api/projector")
            clock.sleep(0.05)
        view = client.get("/api/projector").json()
    saved = json.loads((out / "game.json").read_text())
    assert [t["moves"]["US"] for t in saved["log"]] == ["dialogue"] and room.game.turn == 1
    assert view["debrief"] is False and room.debrief is None and room.phase == "paused"
    assert not (out / "debrief.html").exists() and not list(out.glob(".*.partial"))


# ---------------------------------------------------------------- Classroom 2 (issue 22): clicks, roles, rhythm


def discussing_room(scn, tmp_path: Path, teams=("US", "RU"), turn_seconds: float = 60, turns: int = 6):
    clock = Clock()
    room = Room(Game(scn, seed=3, humans=list(teams), turns=turns), tmp_path, turn_seconds=turn_seconds,
                band_runs=20, clock=clock, discussion=True)
    return room, clock


def test_a_facilitators_click_twice_or_from_two_consoles_acts_once(scn, tmp_path):
    from sim.classroom.room import Stale

    room, clock = discussing_room(scn, tmp_path)
    room.join("US", "Ana")
    room.join("RU", "Boris")
    room.command("start", room.step)
    seen = room.step                                   # what both consoles show
    room.submit("US", "hold")
    assert room.command("reveal", seen) == 1 and room.game.turn == 1 and room.phase == "discussion"
    again = room.command("reveal", seen)               # the double click: turn 2 is not played by bots
    assert isinstance(again, Stale) and "turn 1" in again.note and room.game.turn == 1
    seen = room.step
    assert room.command("next", seen) == 2 and room.phase == "playing"
    assert isinstance(room.command("next", seen), Stale) and room.phase == "playing"
    clock.now += 61                                    # the timer reveals turn 2 ...
    room.tick()
    assert room.game.turn == 2
    assert isinstance(room.command("reveal", seen), Stale)    # ... so a late click does not reveal turn 3
    seen = room.step
    assert room.command("undo", seen) == "turn" and room.game.turn == 1
    assert isinstance(room.command("undo", seen), Stale) and room.game.turn == 1     # one turn taken back
    assert room.command("bot", room.step, {"team": "RU", "on": "true"}) is None
    assert room.command("bot", room.step - 1, {"team": "RU", "on": "true"}) is None and "RU" in room.game.bots
    with pytest.raises(PlayError, match="step"):
        room.command("pause", "12; DROP")
    assert room.command("message", 0, {"to": "all", "text": "a message is never stale"}) == 1


def test_undo_with_nothing_to_take_back_keeps_the_submitted_moves_and_the_phones_agree(scn, tmp_path):
    room, _ = discussing_room(scn, tmp_path)
    room.join("US", "Ana")
    room.join("RU", "Boris")
    room.start()
    room.submit("US", "withdrawal")
    version = room.version
    with pytest.raises(PlayError, match="nothing to undo"):
        room.undo()
    assert room.game.has_chosen("US") and room.team_view("US")["me"]["choice"] == "withdrawal"
    assert room.version == version
    room.submit("RU", "hold")                  # turn 1 revealed; the US chooses turn 2, then the turn is undone
    room.next_turn()
    room.submit("US", "dialogue")
    assert room.undo() == "turn"
    us = room.team_view("US")
    assert room.game.turn == 0 and not room.game.choices and us["me"]["choice"] is None
    assert room.phase == "paused" and "took back the last turn 1" in us["news"][-1]["text"]


def test_a_move_meant_for_a_turn_already_revealed_is_not_played_in_the_next(scn, tmp_path):
    room, _ = discussing_room(scn, tmp_path, teams=("US",))
    captain = room.join("US", "Ana")
    room.start()
    room.submit("US", "hold", captain, turn=1)
    room.next_turn()
    with pytest.raises(PlayError, match="turn 1, which is past"):
        room.submit("US", "withdrawal", captain, turn=1)
    assert not room.game.choices and room.game.turn == 1


def test_a_team_has_a_captain_who_submits_and_advisers_who_propose(scn, tmp_path):
    room, clock = discussing_room(scn, tmp_path, teams=("US", "RU"))
    ana = room.join("US", "Ana")
    ben = room.join("US", "  Ben  ")
    room.join("RU", "Boris")
    assert room.roster.is_captain(ana) and not room.roster.is_captain(ben) and ben.name == "Ben"
    for bad in ("", "x" * 31):
        with pytest.raises(PlayError):
            room.join("US", bad)
    room.start()
    with pytest.raises(PlayError, match=r"only your captain \(Ana\)"):
        room.submit("US", "withdrawal", ben, turn=1)
    room.propose(ben, "withdrawal", turn=1)
    us = room.team_view("US", ben)
    assert us["you"] == {"number": ben.number, "name": "Ben", "captain": False}
    assert [(d["name"], d["captain"], d["proposal"]) for d in us["me"]["devices"]] == \
        [("Ana", True, None), ("Ben", False, "withdrawal")]
    assert "Ben" not in json.dumps(room.team_view("RU")) and "Ben" not in json.dumps(room.projector_view())
    fac = room.facilitator_view()
    assert [d["name"] for d in fac["devices"]["US"]] == ["Ana", "Ben"] and fac["devices"]["US"][1]["proposal"]
    room.submit("US", "dialogue", ana, turn=1)
    us = room.team_view("US", ben)["me"]
    assert us["choice"] == "dialogue" and us["submitted_by"] == "Ana" and us["captain"] == "Ana"
    assert room.facilitator_view()["submitted_by"] == {"US": "Ana", "RU": None}
    assert room.hand_over(ana, ben.number) == "Ben" and room.roster.is_captain(ben)
    with pytest.raises(PlayError, match="only the captain hands over"):
        room.hand_over(ana, ben.number)
    assert room.command("captain", room.step, {"team": "US", "number": str(ana.number)}) == "Ana"
    clock.now += 20                     # Ben's phone is silent: shown away, Ana's polls
    room.seen(ana)
    room.tick()
    assert [d["connected"] for d in room.facilitator_view()["devices"]["US"]] == [True, False]


def test_reveal_waits_in_a_discussion_until_the_facilitator_opens_the_next_turn(scn, tmp_path):
    room, clock = discussing_room(scn, tmp_path, turn_seconds=60)
    room.join("US", "Ana")
    room.join("RU", "Boris")
    room.start()
    room.submit("US", "hold")
    room.submit("RU", "hold")
    assert room.phase == "discussion" and room.seconds_left() is None
    clock.now += 3600                   # the class talks for an hour: nothing is played
    room.tick()
    assert room.game.turn == 1 and room.phase == "discussion"
    with pytest.raises(PlayError, match="open turn 2"):
        room.submit("US", "hold")
    wall = room.projector_view()
    assert "Discuss" in wall["news"][-1]["text"] and wall["teams"][0]["state"] == "revealed"
    room.next_turn()
    assert room.phase == "playing" and room.seconds_left() == pytest.approx(60)
    assert "Turn 2" in room.projector_view()["news"][-1]["text"]


def test_every_facilitator_action_is_announced_on_the_wall_and_the_team_pages(scn, tmp_path):
    from sim.play import injections

    room, _ = discussing_room(scn, tmp_path)
    room.join("US", "Ana")
    room.join("RU", "Boris")
    assert room.projector_view()["teams"][0]["state"] == "1 device joined"     # not "deciding" in the lobby
    room.start()
    example = room.facilitator_view()["example"]
    room.inject(example)                 # the console's example is one the scenario accepts now
    room.inject("leader US hawk")
    room.pause()
    room.resume()
    room.undo()
    room.set_bot("RU", True)
    texts = [n["text"] for n in room.team_view("US")["news"]]
    assert texts == [n["text"] for n in room.projector_view()["news"]]
    joined = " | ".join(texts)
    for needle in ("Event: ", "hawkish", "paused the clock", "clock runs again",
                   "took back the last event", "A bot plays RU"):
        assert needle in joined, (needle, texts)
    assert example == injections.example(room.game)
    assert all(isinstance(injections.example(Game(scenario.load(name), seed=1, turns=2)), str)
               for name in ("inf_2018", "inf_2018_asia", "dilemma_2p"))


def test_codes_typed_with_spaces_dashes_or_lower_case_are_accepted(scn, tmp_path):
    room, _ = make_room(scn, tmp_path)
    code = room.seats["RU"].code
    assert room.team_of(f" {code[:4].lower()} {code[4:]} ") == "RU" and room.team_of(f"{code[:4]}-{code[4:]}") == "RU"
    assert room.is_facilitator(f"{room.pin[:4]} {room.pin[4:].lower()}")


def test_a_restarted_room_keeps_codes_pin_devices_messages_and_its_settings(scn, tmp_path, monkeypatch):
    from sim import cli
    from sim.classroom import cli as classroom_cli
    from sim.classroom import keep

    out = tmp_path / "lesson"
    out.mkdir()
    room = Room(Game(scn, seed=3, humans=["US", "RU"], turns=6), out, turn_seconds=240, discussion=True)
    ana = room.join("US", "Ana")
    ben = room.join("US", "Ben")
    room.hand_over(ana, ben.number)
    room.join("RU", "Boris")
    room.start()
    room.message("US", "RU", "meet in Geneva?", by="Ana")
    room.submit("US", "hold")
    room.submit("RU", "hold")
    assert room.phase == "discussion"
    served = {}
    monkeypatch.setattr(classroom_cli, "serve", lambda game, out, *a, **k: served.update(game=game, **k) or 0)
    assert cli.main(["classroom", "--resume", str(out / "game.json"), "--port", "0"]) == 0
    assert served["turn_seconds"] == 240 and served["discussion"] is True     # not the defaults
    again = Room(served["game"], out, turn_seconds=served["turn_seconds"], discussion=True, kept=served["kept"])
    assert again.pin == room.pin and {a: s.code for a, s in again.seats.items()} == \
        {a: s.code for a, s in room.seats.items()}
    assert again.device(ben.token, "US").name == "Ben" and again.roster.is_captain(again.device(ben.token))
    assert again.device(ana.token, "RU") is None
    assert [m.text for m in again.messages] == ["meet in Geneva?"] and again.phase == "discussion"
    assert not again.game.bots and any("Turn 1 revealed" in n["text"] for n in again.projector_view()["news"])
    assert cli.main(["classroom", "--resume", str(out / "game.json"), "--port", "0", "--turn-seconds", "90"]) == 0
    assert served["turn_seconds"] == 90
    (out / keep.FILE).write_text("{not json")
    assert cli.main(["classroom", "--resume", str(out / "game.json"), "--port", "0"]) == 2


def test_the_pages_colours_meet_wcag_aa_contrast():
    """Text colours against the backgrounds they are drawn on: at least 4.5:1 (WCAG 2 AA, normal text)."""
    css = (Path(__file__).resolve().parent.parent / "sim" / "classroom" / "static" / "classroom.css").read_text()
    colour = dict(re.findall(r"--([\w-]+): (#[0-9a-f]{3,6})", css))

    def luminance(hex_colour: str) -> float:
        h = hex_colour.lstrip("#")
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        channels = [int(h[k:k + 2], 16) / 255 for k in (0, 2, 4)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def ratio(a: str, b: str) -> float:
        hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    texts, grounds = ("ink", "muted", "mid", "high", "low", "accent"), ("paper", "panel")
    pairs = [(colour[t], colour[b]) for t in texts for b in grounds]
    pairs += [(colour["ink"], colour["news"]), ("#fff", colour["accent"]), ("#fff", colour["high"]),
              ("#e8eef8", colour["accent"]), ("#fff", "#6b6b6b")]
    assert "#e8eef8" in css and "#6b6b6b" in css        # the header's light text, a disabled button
    low = [(a, b, round(ratio(a, b), 2)) for a, b in pairs if ratio(a, b) < 4.5]
    assert not low, low


def test_a_deal_between_teams_is_private_until_the_reveal_then_everyone_hears_who_kept_it(scn, tmp_path):
    room, _ = discussing_room(scn, tmp_path, teams=("US", "RU", "NATO"))
    us, ben = room.join("US", "Ana"), room.join("US", "Ben")
    ru = room.join("RU", "Boris")
    room.join("NATO", "Nadia")
    with pytest.raises(PlayError, match="has not started"):
        room.offer(us, "RU", "dialogue", "dialogue")
    room.start()
    with pytest.raises(PlayError, match="only your captain"):
        room.offer(ben, "RU", "dialogue", "dialogue", turn=1)
    with pytest.raises(PlayError, match="allowed: another team"):
        room.offer(us, "US", "dialogue", "dialogue", turn=1)
    first = room.offer(us, "RU", "hold", "dialogue", turn=1)
    second = room.offer(us, "RU", "dialogue", "dialogue", turn=1)        # replaces the first
    assert [o["status"] for o in room.team_view("RU")["offers"]] == ["withdrawn", "open"]
    assert "offers" not in room.projector_view() and not room.team_view("NATO")["offers"]
    assert "dialogue if RU" not in json.dumps(room.projector_view())
    with pytest.raises(PlayError, match=f"no offer {first} to US"):
        room.answer_offer(us, first, True, turn=1)
    assert room.answer_offer(ru, second, True, turn=1) == "accepted"
    with pytest.raises(PlayError, match="is accepted"):
        room.answer_offer(ru, second, False, turn=1)
    room.submit("US", "dialogue", us, turn=1)
    room.submit("NATO", "hold")
    room.submit("RU", "hold", ru, turn=1)             # Russia breaks its word
    news = [n["text"] for n in room.projector_view()["news"]]
    assert "Deal of turn 1: US will play dialogue if RU plays dialogue; RU did not keep its word." in news
    assert room.team_view("US")["offers"][-1]["status"] == "broken"
    room.undo()                                          # the turn is played again: the deal stands again
    assert room.team_view("RU")["offers"][-1]["status"] == "accepted"
    kept = keep_and_restore(room, tmp_path)
    assert [o.status for o in kept.offers.all] == ["withdrawn", "accepted"]


def test_a_deal_of_terms_accepted_puts_its_terms_on_the_table_of_the_models_talks(scn, tmp_path):
    # Classroom 2: once the model's talks carry terms, an accepted offer puts those terms on the table
    room, _ = discussing_room(scn, tmp_path, teams=("US", "RU", "NATO"))
    us, ru, nato = room.join("US", "Ana"), room.join("RU", "Boris"), room.join("NATO", "Nadia")
    room.start()
    assert room.team_view("US")["term_parts"] == ["keep", "eliminate", "parity"]
    assert not room.team_view("NATO")["term_parts"]
    with pytest.raises(PlayError, match="only two treaty parties"):
        room.offer(nato, "RU", "keep", "eliminate", turn=1)          # NATO signs no treaty
    with pytest.raises(PlayError, match="allowed: keep"):
        room.offer(us, "RU", "keep", "halve", turn=1)
    with pytest.raises(PlayError, match="parity is equal ceilings for both"):
        room.offer(us, "RU", "keep", "parity", turn=1)
    offer = room.offer(us, "RU", "keep", "keep", turn=1)
    words = room.team_view("RU")["offers"][-1]["words"]
    assert words == "terms for the talks: US keeps its force as it stands and RU keeps its force as it stands"
    assert int(room.game.state.pledge[0, 0, 1]) == 0                # not before it is accepted
    room.answer_offer(ru, offer, True, turn=1)
    s = room.game.state
    assert (int(s.pledge[0, 0, 1]), int(s.pledge[0, 1, 0])) == (KEEP_FORCE, KEEP_FORCE)
    assert (int(s.terms[0, 0, 1]), int(s.terms[0, 1, 0])) == (KEEP_FORCE, KEEP_FORCE)
    for team, device in (("US", us), ("RU", ru), ("NATO", nato)):
        room.submit(team, "dialogue", device, turn=1)
    news = [n["text"] for n in room.projector_view()["news"]]
    assert any(n.startswith("Deal of turn 1: terms for the talks") and "negotiate these terms" in n for n in news)
    assert room.team_view("US")["offers"][-1]["status"] == "on the table"


def keep_and_restore(room: Room, tmp_path: Path) -> Room:
    """The room as a restarted server makes it from room.json."""
    from sim.classroom import keep

    return Room(room.game, tmp_path, turn_seconds=room.turn_seconds, kept=keep.read(tmp_path / keep.FILE))


def test_the_pages_computations_are_warmed_before_the_addresses_on_a_copy_of_the_game(tmp_path, monkeypatch):
    """Issue 22, item 3: on a fresh cache the first team page after the first reveal compiled for 1.7 s; the
    server now plays one throwaway turn of a copy, with every view, before it prints where to go."""
    from sim import cli
    from sim.classroom import cli as classroom_cli
    from sim.classroom import room as rooms

    order = []
    real = rooms.warm_up
    monkeypatch.setattr(rooms, "warm_up", lambda game: order.append(("warm", game.turn)) or real(game))
    def serve(game, out, *args, **kwargs):
        order.append(("serve", game.turn, sorted(p.name for p in out.iterdir())))
        return 0

    monkeypatch.setattr(classroom_cli, "serve", serve)
    assert cli.main(["classroom", "inf_2018", "--port", "0", "--out", str(tmp_path / "lesson")]) == 0
    assert order[0] == ("warm", 0) and order[1][:2] == ("serve", 0)
    assert "game.json" not in order[1][2] and "log.jsonl" not in order[1][2]     # the warm-up wrote nothing here


def test_the_timer_is_a_timer_not_a_live_region_announced_every_second(served):
    """Issue 22, item 12: the clock was an aria-live region rewritten four times a second."""
    room, client = served
    join(client, room.seats["US"].code)
    client.cookies.set("pin", room.pin)
    for path in ("/", "/team", "/facilitator"):
        timer = re.search(r'<div id="timer"[^>]*>', client.get(path).text)
        assert timer and 'role="timer"' in timer.group(0) and "aria-live" not in timer.group(0), (path, timer)
