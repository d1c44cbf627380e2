// The classroom's pages: each polls its view once a second and redraws when the game changed.
// Every text goes in with textContent, so nothing a person typed can become markup.
"use strict";

const role = document.body.dataset.role;
const API = { projector: "/api/projector", team: "/api/team", facilitator: "/api/facilitator" };
let shown = -1;          // the version on screen
let view = null;
let deadline = null;     // local clock time at which the turn's timer runs out

function $(id) { return document.getElementById(id); }

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function fill(id, items, make) {
  const list = $(id);
  if (!list) return;
  list.replaceChildren(...items.map(make));
}

function set(id, text) { const node = $(id); if (node) node.textContent = text; }

async function post(url, data) {
  const response = await fetch(url, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
  });
  let answer = {};
  try { answer = await response.json(); } catch (e) { answer = { error: "the server did not answer" }; }
  if (!response.ok) throw new Error(answer.error || response.statusText);
  poll();
  return answer;
}

function signed(x) { return (x >= 0 ? "+" : "") + x.toFixed(1); }

function timerText() {
  if (!view) return "";
  if (view.phase === "lobby") return "waiting to start";
  if (view.phase === "over") return "game over";
  if (view.phase === "paused") return "paused" + (view.seconds_left != null ? " · " + clock(view.seconds_left) : "");
  if (deadline === null) return "no time limit";
  return clock(Math.max(0, (deadline - Date.now()) / 1000));
}

function clock(seconds) {
  const s = Math.ceil(seconds);
  return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
}

function drawCommon(v) {
  set("title", v.title);
  set("date", v.date);
  set("turn", v.phase === "over" ? "· " + v.turn + " turns played" :
      "· deciding turn " + v.next_turn + " of " + v.turns + " (" + v.next_date + ")");
  set("next-date", v.next_date);
  set("escalation", v.escalation.toFixed(0));
  const last = v.turns_played[v.turns_played.length - 1];
  set("delta", last ? "(" + signed(last.delta) + " last turn)" : "(start)");
  set("treaty", v.treaty);
  set("hazard", v.hazard.toFixed(2));
  set("index", v.index);
  const gauge = $("gauge-fill");
  if (gauge) {
    gauge.style.width = Math.max(0, Math.min(100, v.escalation)) + "%";
    gauge.className = "gauge-fill " + (v.escalation >= 66 ? "high" : v.escalation >= 33 ? "mid" : "low");
  }
  fill("teams", v.teams, (t) => {
    const state = t.bot ? "bot playing" : !t.joined ? "not joined" : t.submitted ? "submitted ✓" : "deciding…";
    const item = el("li", null, "team " + (t.submitted ? "done" : t.bot ? "bot" : "open"));
    item.append(el("strong", t.id), el("span", " " + state, "muted"));
    if (t.joined && !t.connected && !t.bot) item.append(el("span", " (offline)", "warn"));
    return item;
  });
  fill("story", last ? last.story : v.opening, (s) => el("li", s));
  set("story-title", last ? "Last turn (" + last.date + ")" : "Before the game");
  const debrief = $("debrief-link");
  if (debrief) debrief.hidden = !v.debrief;
  deadline = v.seconds_left != null && v.phase === "playing" ? Date.now() + 1000 * v.seconds_left : null;
}

function drawProjector(v) {
  const last = v.turns_played[v.turns_played.length - 1];
  set("reveal-title", last ? "Moves revealed for " + last.date : "Moves: revealed together at the end of each turn");
  fill("last-moves", last ? last.moves : [], (m) => {
    const row = el("tr");
    row.append(el("th", m.actor), el("td", m.move), el("td", m.by === "team" ? "" : "(" + m.by + ")", "muted"));
    return row;
  });
  fill("timeline", v.turns_played.slice().reverse().slice(0, 6), (t) =>
    el("li", t.date + ": escalation " + t.escalation.toFixed(0) + " (" + signed(t.delta) + ") · " +
       t.moves.map((m) => m.actor + " " + m.move).join(", ")));
  drawChart(v);
}

function drawChart(v) {
  const svg = $("chart");
  if (!svg) return;
  const ns = "http://www.w3.org/2000/svg";
  const W = 900, H = 200, L = 40, B = 24;
  const points = [[0, v.start_escalation]].concat(v.turns_played.map((t) => [t.turn, t.escalation]));
  const x = (turn) => L + (W - L - 10) * turn / Math.max(1, v.turns);
  const y = (e) => H - B - (H - B - 10) * e / 100;
  const parts = [];
  for (const level of [0, 50, 100]) {
    const line = document.createElementNS(ns, "line");
    line.setAttribute("x1", L); line.setAttribute("x2", W - 10);
    line.setAttribute("y1", y(level)); line.setAttribute("y2", y(level));
    line.setAttribute("class", "grid");
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", 4); label.setAttribute("y", y(level) + 4); label.textContent = level;
    parts.push(line, label);
  }
  const path = document.createElementNS(ns, "polyline");
  path.setAttribute("points", points.map(([t, e]) => x(t) + "," + y(e)).join(" "));
  path.setAttribute("class", "curve");
  parts.push(path);
  const every = Math.max(1, Math.ceil(v.turns / 8));       // at most about nine dates on the axis
  v.dates.forEach((date, turn) => {
    if (turn % every !== 0 && turn !== v.turns) return;
    const tick = document.createElementNS(ns, "text");
    tick.setAttribute("x", x(turn)); tick.setAttribute("y", H - 4);
    tick.setAttribute("text-anchor", "middle");
    tick.textContent = date;
    parts.push(tick);
  });
  svg.replaceChildren(...parts);
}

let movesShown = null;   // the turn and moves drawn in the form, so a poll does not undo a selection

function drawTeam(v) {
  const me = v.me;
  set("score", me.score === "-" ? "none yet (after the first turn)" : me.score);
  set("score-legend", "(" + me.score_legend + ")");
  set("background", me.briefing.background);
  fill("objectives", me.briefing.objectives, (s) => el("li", s));
  fill("knows", me.briefing.knows, (s) => el("li", s));
  fill("intelligence", me.briefing.intelligence.length ? me.briefing.intelligence : ["(none)"], (s) => el("li", s));
  let status;
  if (v.phase === "over") status = "The game is over." + (v.debrief ? " The debrief is on the projector." : "");
  else if (v.phase === "lobby") status = "Read your briefing: the facilitator starts the game soon.";
  else if (me.bot) status = "A bot plays your side for now (ask the facilitator to take it off).";
  else if (me.forced) status = "The facilitator has set your move this turn: " + me.forced + ".";
  else if (me.choice) status = "Submitted: " + me.choice + ". You may change it until the moves are revealed.";
  else status = "Choose a move and submit it before the timer runs out.";
  set("status", status);
  const form = $("move-form");
  const key = v.next_turn + "|" + me.moves.map((m) => m.move).join(",") + "|" + v.phase + "|" + me.bot;
  if (movesShown !== key) {
    movesShown = key;
    fill("moves", me.moves, (m, k) => {
      const label = el("label", null, "choice");
      const input = el("input");
      input.type = "radio"; input.name = "move"; input.value = m.move; input.id = "move-" + k;
      input.checked = me.choice === m.move;
      const text = el("span");
      text.append(el("strong", m.move), el("span", " " + m.does));
      label.append(input, text);
      return label;
    });
  }
  const closed = !["playing", "paused"].includes(v.phase) || me.bot || !!me.forced || !me.moves.length;
  form.querySelectorAll("input, button").forEach((node) => { node.disabled = closed; });
  drawMessages(v);
  const select = $("to");
  if (select && select.options.length !== v.recipients.length) {
    select.replaceChildren(...v.recipients.map((r) => { const o = el("option", r); o.value = r; return o; }));
  }
}

function drawMessages(v) {
  fill("messages", v.messages.slice().reverse(), (m) => {
    const item = el("li");
    item.append(el("strong", m.sender + " → " + m.to + ": "), el("span", m.text));
    return item;
  });
}

function drawFacilitator(v) {
  set("phase", "The game is " + v.phase + (v.over ? " (" + v.over + ")" : "") + ". " +
      (v.teams.filter((t) => t.submitted).length) + " of " + v.teams.length + " teams have submitted.");
  fill("codes", v.teams, (t) => {
    const row = el("tr");
    const button = el("button", t.bot ? "Take bot off" : "Put bot on");
    button.addEventListener("click", () => act("bot", { team: t.id, on: t.bot ? "false" : "true" }));
    const cell = el("td"); cell.append(button);
    row.append(el("th", t.id), el("td", v.codes[t.id], "code"),
      el("td", t.connected ? "open" : t.joined ? "offline" : "not joined"),
      el("td", t.bot ? "bot (its rule)" : "team"), el("td", t.submitted ? "submitted" : "—"), cell);
    return row;
  });
  set("injections", "Allowed: " + v.injections);
  const open = { start: v.phase === "lobby", pause: v.phase === "playing" && v.seconds_left != null,
                 resume: v.phase === "paused", reveal: ["playing", "paused"].includes(v.phase), undo: v.can_undo,
                 end: v.phase !== "over" };
  document.querySelectorAll("button[data-act]").forEach((b) => { b.disabled = !open[b.dataset.act]; });
  drawMessages(v);
  fill("log", v.log.slice().reverse(), (e) => el("li", e.t + " · turn " + e.turn + " · " + e.who + ": " + e.what));
  const select = $("to");
  const names = ["all"].concat(v.actors.map((a) => a.id));
  if (select && select.options.length !== names.length) {
    select.replaceChildren(...names.map((r) => { const o = el("option", r); o.value = r; return o; }));
  }
}

async function act(name, data) {
  set("act-error", "");
  try { await post("/api/facilitator/" + name, data || {}); } catch (e) { set("act-error", e.message); }
}

async function poll() {
  try {
    const response = await fetch(API[role] + "?since=" + shown, { cache: "no-store" });
    if (response.status === 401) { window.location = role === "team" ? "/join" : "/facilitator"; return; }
    const v = await response.json();
    if (v.same) { return; }
    view = v;
    shown = v.version;
    drawCommon(v);
    if (role === "projector") drawProjector(v);
    if (role === "team") drawTeam(v);
    if (role === "facilitator") drawFacilitator(v);
  } catch (e) {
    set("status", "Connection lost: trying again…");
  }
}

function wire() {
  const moveForm = role === "team" ? $("move-form") : null;
  if (moveForm) {
    moveForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = moveForm.querySelector("input[name=move]:checked");
      set("move-error", "");
      if (!chosen) { set("move-error", "Choose a move first."); return; }
      try { await post("/api/team/move", { move: chosen.value }); } catch (e) { set("move-error", e.message); }
    });
  }
  const messageForm = $("message-form");
  if (messageForm) {
    messageForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const url = role === "team" ? "/api/team/message" : "/api/facilitator/message";
      set("message-error", "");
      try {
        await post(url, { to: $("to").value, text: $("text").value });
        $("text").value = "";
      } catch (e) { set("message-error", e.message); set("act-error", e.message); }
    });
  }
  document.querySelectorAll("button[data-act]").forEach((button) => {
    button.addEventListener("click", () => {
      if (button.dataset.act === "end" && !window.confirm("End the game now and write the debrief?")) return;
      act(button.dataset.act);
    });
  });
  const injectForm = $("inject-form");
  if (injectForm) {
    injectForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      await act("inject", { text: $("inject-text").value });
      $("inject-text").value = "";
    });
  }
}

if (API[role]) {
  wire();
  poll();
  setInterval(poll, 1000);
  setInterval(() => set("timer", timerText()), 250);
} else if (role === "waiting") {
  setTimeout(() => window.location.reload(), 3000);
}
