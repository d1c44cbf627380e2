// The classroom's pages: each polls its view once a second and redraws when the game changed.
// Every text goes in with textContent, so nothing a person typed can become markup.
"use strict";

const role = document.body.dataset.role;
const API = { projector: "/api/projector", team: "/api/team", facilitator: "/api/facilitator" };
const BUSY_MS = 2500;    // a view that takes longer than this: the server is busy (the model is thinking)
let shown = "";          // the boot.version on screen
let view = null;
let deadline = null;     // local clock time at which the turn's timer runs out
let inflight = null;     // when the pending poll was sent (null: none pending)
let lost = false;

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

function set(id, text) { const node = $(id); if (node && node.textContent !== text) node.textContent = text; }

function show(id, on) { const node = $(id); if (node) node.hidden = !on; }

async function post(url, data) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
    });
  } catch (e) {
    throw new Error("No connection to the server: try again in a moment.");
  }
  let answer = {};
  try { answer = await response.json(); } catch (e) { answer = { error: "the server did not answer" }; }
  if (!response.ok) throw new Error(answer.error || response.statusText);
  poll();
  return answer;
}

function signed(x) { return (x >= 0 ? "+" : "") + x.toFixed(1); }

function timerText() {
  if (!view) return "";
  if (view.phase === "lobby") return "not started";
  if (view.phase === "over") return "game over";
  if (view.phase === "discussion") return "discussion";
  if (view.phase === "paused") return "paused" + (view.seconds_left != null ? " · " + clock(view.seconds_left) : "");
  if (deadline === null) return "no time limit";
  return clock(Math.max(0, (deadline - Date.now()) / 1000));
}

function clock(seconds) {
  const s = Math.ceil(seconds);
  return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
}

// ---------------------------------------------------------------- the link to the server

function linkState() {
  const busy = inflight !== null && Date.now() - inflight > BUSY_MS;
  const text = lost ? "Connection lost: trying again…" : busy ? "The model is thinking…" : "";
  set("link", text);
  show("link", !!text);
  const node = $("link");
  if (node) node.className = "link " + (lost ? "lost" : "busy");
}

// ---------------------------------------------------------------- every page

function phaseLine(v) {
  if (v.phase === "lobby") return "Waiting for the facilitator to start";
  if (v.phase === "over") return v.turn + " turns played";
  if (v.phase === "discussion") return "Turn " + v.turn + " of " + v.turns + " revealed: discussion";
  return "Deciding turn " + v.next_turn + " of " + v.turns + " (" + v.next_date + ")";
}

function drawCommon(v) {
  set("title", v.title);
  set("date", v.date);
  set("turn", "· " + phaseLine(v));
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
    const item = el("li", null, "team " + (t.submitted ? "done" : t.bot ? "bot" : "open"));
    item.append(el("strong", t.id), el("span", " " + t.state, "muted"));
    if (t.joined && !t.connected && !t.bot) item.append(el("span", " (offline)", "warn"));
    return item;
  });
  fill("story", last ? last.story : v.opening, (s) => el("li", s));
  set("story-title", last ? "What happened in turn " + last.turn + " (" + last.date + ")" : "Before the game");
  fill("news", v.news.slice().reverse().slice(0, role === "team" ? 1 : 3), (n, k) =>
    el("li", n.text, k === 0 ? "latest" : "older"));
  show("debrief-link", v.debrief);
  deadline = v.seconds_left != null && v.phase === "playing" ? Date.now() + 1000 * v.seconds_left : null;
}

// ---------------------------------------------------------------- the projector

function drawProjector(v) {
  if (v.debrief && v.phase === "over") { window.location = "/debrief/slides.html"; return; }   // the debrief, as slides
  const last = v.turns_played[v.turns_played.length - 1];
  document.body.dataset.phase = v.phase;
  set("reveal-title", last ? "Moves of turn " + last.turn + " (" + last.date + ")" : "Moves are revealed together");
  fill("last-moves", last ? last.moves : [], (m) => {
    const item = el("li");
    item.append(el("strong", m.actor + " "), m.move);
    if (m.by !== "team") item.append(el("span", " (" + m.by + ")", "muted"));
    return item;
  });
  drawChart(v);
}

function svg(tag, attrs, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, value] of Object.entries(attrs)) node.setAttribute(k, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawChart(v) {
  const chart = $("chart");
  if (!chart || !v) return;
  // drawn in the chart's own pixels, so its type is as large as the page's, whatever the screen
  const box = chart.getBoundingClientRect();
  const W = Math.max(300, Math.round(box.width)), H = Math.max(150, Math.round(box.height));
  const font = parseFloat(getComputedStyle(chart).fontSize) || 16;
  chart.setAttribute("viewBox", "0 0 " + W + " " + H);
  const L = font * 2.2, R = font * 0.8, T = font * 0.8, B = font * 1.8;
  const points = [[0, v.start_escalation]].concat(v.turns_played.map((t) => [t.turn, t.escalation]));
  const x = (turn) => L + (W - L - R) * turn / Math.max(1, v.turns);
  const y = (e) => T + (H - T - B) * (1 - e / 100);
  const parts = [];
  for (const level of [0, 25, 50, 75, 100]) {
    parts.push(svg("line", { x1: L, x2: W - R, y1: y(level), y2: y(level), class: "grid" }));
    parts.push(svg("text", { x: L - font * 0.3, y: y(level) + font * 0.35, "text-anchor": "end" }, String(level)));
  }
  parts.push(svg("polyline", { points: points.map(([t, e]) => x(t) + "," + y(e)).join(" "), class: "curve" }));
  points.forEach(([t, e]) => parts.push(svg("circle", { cx: x(t), cy: y(e), r: font * 0.25, class: "dot" })));
  const room = Math.max(1, Math.floor((W - L - R) / (font * 5.5)));     // dates ("Sep 2019") that fit side by side
  const every = Math.max(1, Math.ceil(v.turns / room));
  v.dates.forEach((date, turn) => {
    if (turn % every !== 0 && turn !== v.turns) return;
    if (turn !== v.turns && (v.turns - turn) * (W - L - R) / v.turns < font * 6) return;   // none under the last
    if (turn !== 0 && turn * (W - L - R) / v.turns < font * 6) return;                      // nor the first
    const anchor = turn === 0 ? "start" : turn === v.turns ? "end" : "middle";
    parts.push(svg("text", { x: x(turn), y: H - font * 0.4, "text-anchor": anchor }, date));
  });
  chart.replaceChildren(...parts);
}

// ---------------------------------------------------------------- a team's page

let formKey = null;      // the turn and moves drawn in the form
let picked = null;       // the move this device has selected this turn (kept through pauses and redraws)
let seenMessages = null; // the newest message id this device has seen

function drawTeam(v) {
  const me = v.me, you = v.you || { captain: true, name: "" };
  set("score", me.score === "-" ? "none yet (after the first turn)" : me.score);
  set("score-legend", "(" + me.score_legend + ")");
  set("background", me.briefing.background);
  fill("objectives", me.briefing.objectives, (s) => el("li", s));
  fill("knows", me.briefing.knows, (s) => el("li", s));
  fill("intelligence", me.briefing.intelligence.length ? me.briefing.intelligence : ["(none)"], (s) => el("li", s));
  set("you", you.name + (you.captain ? " · captain" : " · adviser"));
  const key = v.next_turn + "|" + me.moves.map((m) => m.move).join(",");
  if (formKey !== key) {
    if (formKey !== null && formKey.split("|")[0] !== String(v.next_turn)) picked = null;   // a new turn
    formKey = key;
    fill("moves", me.moves, (m, k) => {
      const label = el("label", null, "choice");
      const input = el("input");
      input.type = "radio"; input.name = "move"; input.value = m.move; input.id = "move-" + k;
      input.addEventListener("change", () => {
        picked = input.value;
        drawStatus();
        post("/api/team/propose", { move: input.value, turn: String(view.next_turn) }).catch(() => {});
      });
      const text = el("span");
      text.append(el("strong", m.move), el("span", " " + m.does, "does"));
      label.append(input, text);
      return label;
    });
  }
  const wanted = picked !== null ? picked : me.choice;
  document.querySelectorAll("input[name=move]").forEach((input) => { input.checked = input.value === wanted; });
  const closed = !["playing", "paused"].includes(v.phase) || me.bot || !!me.forced || !me.moves.length;
  const form = $("move-form");
  form.querySelectorAll("input, button").forEach((node) => { node.disabled = closed; });
  show("submit", you.captain);
  set("submit", me.choice ? "Change the team's move" : "Submit for the team");
  fill("devices", me.devices, (d) => {
    const item = el("li", null, d.connected ? "" : "away");
    item.append(el("strong", d.name + (d.captain ? " (captain)" : "")),
      el("span", d.proposal ? " proposes " + d.proposal : " —", "muted"));
    return item;
  });
  const handover = $("handover");
  if (handover) {
    const others = me.devices.filter((d) => !d.captain);
    show("handover-form", you.captain && others.length > 0);
    const names = others.map((d) => d.number + ":" + d.name).join(",");
    if (handover.dataset.names !== names) {
      handover.dataset.names = names;
      handover.replaceChildren(...others.map((d) => { const o = el("option", d.name); o.value = d.number; return o; }));
    }
  }
  drawStatus();
  drawOffers(v, you);
  drawMessages(v);
  const select = $("to");
  if (select && select.options.length !== v.recipients.length) {
    select.replaceChildren(...v.recipients.map((r) => { const o = el("option", r); o.value = r; return o; }));
  }
}

function drawStatus() {
  const v = view, me = v.me, you = v.you || { captain: true };
  let status;
  if (v.phase === "over") status = "The game is over." + (v.debrief ? " The debrief is on the projector." : "");
  else if (v.phase === "lobby") status = "You are in. Read your briefing (below) while the facilitator starts the game.";
  else if (v.phase === "discussion") status = "Moves revealed: discuss. The facilitator opens turn " + v.next_turn + ".";
  else if (me.bot) status = "A bot plays your side for now (ask the facilitator to take it off).";
  else if (me.forced) status = "The facilitator has set your move this turn: " + me.forced + ".";
  else if (me.choice) {
    status = "Submitted" + (me.submitted_by ? " by " + me.submitted_by : "") + ": " + me.choice + ".";
    if (picked && picked !== me.choice) status += you.captain ? " You selected " + picked + ": not submitted." :
      " You propose " + picked + ".";
    else status += " It can change until the moves are revealed.";
  } else if (you.captain) status = picked ? "Selected " + picked + ": not submitted yet." :
    "You are the captain: choose the team's move and submit it.";
  else {
    const lead = me.devices.find((d) => d.captain);
    status = (me.captain ? me.captain + " (captain)" : "The captain") + " submits" +
      (lead && lead.proposal ? ", leaning to " + lead.proposal : "") + ". " +
      (picked ? "You propose " + picked + "." : "Choose a move to propose it.");
  }
  set("status", status);
}

function options(id, values) {
  const select = $(id);
  if (!select || select.dataset.values === values.join(",")) return;
  select.dataset.values = values.join(",");
  select.replaceChildren(...values.map((r) => { const o = el("option", r); o.value = r; return o; }));
}

function drawOffers(v, you) {
  const open = ["playing", "paused"].includes(v.phase);
  fill("offers", v.offers.slice().reverse(), (o) => {
    const item = el("li", null, "offer " + o.status);
    item.append(el("span", "turn " + o.turn + " · ", "muted"),
      el("span", o.sender + (o.by ? " (" + o.by + ")" : "") + ": " + o.words),
      el("strong", " · " + o.status + (o.outcome ? ": " + o.outcome : "")));
    if (o.status === "open" && o.to === v.me.id && you.captain && open && o.turn === v.next_turn) {
      for (const [word, yes] of [["Accept", "true"], ["Decline", "false"]]) {
        const button = el("button", word, "small-button");
        button.addEventListener("click", () => post("/api/team/answer", { offer: String(o.id), accept: yes,
          turn: String(view.next_turn) }).catch((e) => set("offer-error", e.message)));
        item.append(button);
      }
    }
    return item;
  });
  show("offer-form", you.captain && open && v.teams_to.length > 0);
  options("offer-to", v.teams_to);
  options("offer-we", v.me.moves.map((m) => m.move).concat(v.term_parts));
  options("offer-you", v.all_moves.concat(v.term_parts));
  show("terms-hint", v.term_parts.length > 0);
}

function drawMessages(v) {
  fill("messages", v.messages.slice().reverse(), (m) => {
    const item = el("li");
    item.append(el("span", "turn " + m.turn + " · ", "muted"),
      el("strong", m.sender + (m.by ? " (" + m.by + ")" : "") + " → " + m.to + ": "), el("span", m.text));
    return item;
  });
  if (role !== "team") return;
  const newest = v.messages.length ? v.messages[v.messages.length - 1].id : 0;
  if (seenMessages === null) seenMessages = newest;
  const fresh = v.messages.filter((m) => m.id > seenMessages);
  set("new-messages", fresh.length ? fresh.length + " new message" + (fresh.length > 1 ? "s" : "") +
    " (from " + fresh[fresh.length - 1].sender + ")" : "");
  show("new-messages", fresh.length > 0);
}

// ---------------------------------------------------------------- the facilitator's console

function drawFacilitator(v) {
  set("phase", "Now: " + v.where + (v.over ? " (" + v.over + ")" : "") + ". " +
      (v.teams.filter((t) => t.submitted).length) + " of " + v.teams.length + " teams have submitted.");
  fill("codes", v.teams, (t) => {
    const row = el("tr");
    const button = el("button", t.bot ? "Take bot off" : "Put bot on");
    button.addEventListener("click", () => act("bot", { team: t.id, on: t.bot ? "false" : "true" }));
    const cell = el("td"); cell.append(button);
    const people = el("td");
    const list = el("ul", null, "devices");
    for (const d of v.devices[t.id]) {
      const item = el("li", null, d.connected ? "" : "away");
      item.append(el("span", d.name + (d.captain ? " ★ captain" : "")),
        el("span", d.proposal ? " proposes " + d.proposal : "", "muted"));
      if (!d.captain) {
        const make = el("button", "make captain", "small-button");
        make.addEventListener("click", () => act("captain", { team: t.id, number: String(d.number) }));
        item.append(make);
      }
      list.append(item);
    }
    if (!v.devices[t.id].length) list.append(el("li", "nobody yet", "muted"));
    people.append(list);
    row.append(el("th", t.id), el("td", v.codes[t.id], "code"), people,
      el("td", t.bot ? "bot (its rule)" : "team"),
      el("td", t.submitted ? "submitted" + (v.submitted_by[t.id] ? " by " + v.submitted_by[t.id] : "") : "—"), cell);
    return row;
  });
  fill("exports", v.debrief ? v.teams : [], (t) => {
    const link = el("a", t.id + " ");
    link.href = "/debrief/team_" + encodeURIComponent(t.id) + ".html";
    link.target = "_blank";
    return link;
  });
  set("injections", "Allowed: " + v.injections);
  const input = $("inject-text");
  if (input && v.example && input.placeholder !== v.example) input.placeholder = v.example;
  set("example", v.example ? "For example: " + v.example : "");
  const open = { start: v.phase === "lobby", pause: v.phase === "playing" && v.seconds_left != null,
                 resume: v.phase === "paused", reveal: ["playing", "paused"].includes(v.phase),
                 next: v.phase === "discussion", undo: v.can_undo, end: v.phase !== "over" };
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
  set("act-note", "");
  const body = Object.assign({ step: String(view ? view.step : "") }, data || {});
  try {
    const answer = await post("/api/facilitator/" + name, body);
    if (answer.done === false) { set("act-note", answer.note); drawFacilitator(view); }
    return true;
  } catch (e) { set("act-error", e.message); if (view) drawFacilitator(view); return false; }
}

// ---------------------------------------------------------------- polling

async function poll() {
  if (inflight !== null) return;          // one request at a time: a busy server is not flooded
  inflight = Date.now();
  try {
    const response = await fetch(API[role] + "?since=" + shown, { cache: "no-store" });
    if (response.status === 401) { window.location = role === "team" ? "/join" : "/facilitator"; return; }
    const v = await response.json();
    if (lost) { set("move-error", ""); set("message-error", ""); set("act-error", ""); }   // no stale "no connection"
    lost = false;
    if (v.same) return;
    if (!response.ok) throw new Error(v.error || response.statusText);
    view = v;
    shown = v.boot + "." + v.version;
    drawCommon(v);
    if (role === "projector") drawProjector(v);
    if (role === "team") drawTeam(v);
    if (role === "facilitator") drawFacilitator(v);
  } catch (e) {
    lost = true;
  } finally {
    inflight = null;
    linkState();
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
      try {
        await post("/api/team/move", { move: chosen.value, turn: String(view.next_turn) });
        picked = null;
      } catch (e) { set("move-error", e.message); }
    });
  }
  const handoverForm = $("handover-form");
  if (handoverForm) {
    handoverForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      try { await post("/api/team/captain", { number: $("handover").value }); } catch (e) { set("move-error", e.message); }
    });
  }
  const offerForm = $("offer-form");
  if (offerForm) {
    offerForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      set("offer-error", "");
      try {
        await post("/api/team/offer", { to: $("offer-to").value, we: $("offer-we").value, you: $("offer-you").value,
                                        turn: String(view.next_turn) });
      } catch (e) { set("offer-error", e.message); }
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
  const fresh = $("new-messages");
  if (fresh) {
    fresh.addEventListener("click", () => {
      if (view && view.messages.length) seenMessages = view.messages[view.messages.length - 1].id;
      show("new-messages", false);
    });
  }
  document.querySelectorAll("button[data-act]").forEach((button) => {
    button.addEventListener("click", () => {
      if (button.dataset.act === "end" && !window.confirm("End the game now and write the debrief?")) return;
      // every button waits for the game's next state: a second click meanwhile does nothing (and one from
      // another console carries a step that is stale by then)
      document.querySelectorAll("button[data-act]").forEach((b) => { b.disabled = true; });
      act(button.dataset.act);
    });
  });
  const injectForm = $("inject-form");
  if (injectForm) {
    injectForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await act("inject", { text: $("inject-text").value })) $("inject-text").value = "";
    });
  }
  window.addEventListener("resize", () => { if (role === "projector") drawChart(view); });
}

if (API[role]) {
  wire();
  poll();
  setInterval(poll, 1000);
  setInterval(() => { set("timer", timerText()); linkState(); }, 250);
} else if (role === "waiting") {
  setTimeout(() => window.location.reload(), 3000);
}
