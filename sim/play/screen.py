"""What the class sees, drawn with rich: the briefing, the move menu, the reveal, help and hints.

Everything is printed to one `rich.console.Console` on standard output. On a terminal the screen
is cleared between turns and colours are used; piped or redirected, the same text is printed one
screen after another, without colour or cursor movement. Without a UTF-8 output encoding the
gauge and the trend line fall back to ASCII. A turn's screen fits 100 columns and 40 rows, and stays
readable (wrapped, never cut) at 80 columns. Colours come from a theme: `dark` (the default) or `light`, a
high-contrast one for terminals with a light background (`choose_theme`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, JustifyMethod, RenderableType
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from rich.theme import Theme

from sim.core.actions import MOVE_NAMES, MOVES, Action
from sim.core.textsafe import printable
from sim.play import narrate
from sim.play.engine import Game, TurnRecord
from sim.play.injections import CATALOGUE
from sim.play.roles import FACILITATOR, SCENARIO, TEAM

THEMES: dict[str, dict[str, str]] = {
    "dark": {"team": "bold cyan", "note": "cyan", "ok": "bold green", "ok.dim": "green", "warn": "bold yellow",
             "warn.dim": "yellow", "event": "bold magenta", "event.dim": "magenta", "dim": "grey50",
             "low": "green", "mid": "yellow", "high": "red", "empty": "grey50",
             **{f"move.{a.label}": f"bold {MOVES[a].colour}" for a in Action}},
    # dark colours only: yellow, cyan and pale greys vanish on a white background
    "light": {"team": "bold #00008b", "note": "#00008b", "ok": "bold #005f00", "ok.dim": "#005f00",
              "warn": "bold #873e00", "warn.dim": "#873e00", "event": "bold #800080", "event.dim": "#800080",
              "dim": "#3a3a3a", "low": "#005f00", "mid": "#873e00", "high": "#af0000", "empty": "#8a8a8a",
              "move.dialogue": "bold #08519c", "move.hold": "bold #303030", "move.comply": "bold #006d2c",
              "move.ultimatum": "bold #a63603", "move.withdrawal": "bold #a50f15", "move.develop": "bold #54278f",
              "move.deployment": "bold #67000d"},
}
THEME_NAMES = tuple(THEMES)
COMMANDS: tuple[tuple[str, str], ...] = (
    ("a move's number or name", f"choose this team's move among those its menu offers ({', '.join(MOVE_NAMES)}; "
                                "the first letters are enough)"),
    ("help", "this list"),
    ("undo", "take back the last thing done: this turn's choices, an injection, or the last turn"),
    ("inject EVENT", "a scenario event for this turn (see below); 'inject' alone lists them"),
    ("save FILE", "save the game (resume: python run_sim.py play --resume FILE)"),
    ("quit", "end the game now and write the debrief"),
)


class SafeConsole(Console):
    """A console that prints text as given: no markup or emoji codes read in it (a title "[/x]" would
    crash), and no control character (names and titles come from files)."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(text, **{**kwargs, "markup": False, "emoji": False})

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterator[Segment]:
        for segment in super().render(renderable, options):
            yield segment if segment.control else Segment(printable(segment.text), segment.style)


def choose_theme(name: str | None, environ: Mapping[str, str]) -> str:
    """The theme `name`, or, without one, `light` when COLORFGBG says the background is light, else `dark`.

    COLORFGBG is "FG;BG" (or "FG;default;BG") in the 16 terminal colours; 7 and 9 to 15 are light."""
    if name is not None:
        return name
    bg = environ.get("COLORFGBG", "").rpartition(";")[2]
    return "light" if bg.isdigit() and (int(bg) == 7 or 9 <= int(bg) <= 15) else "dark"


def make_console(interactive: bool, theme: str = "dark") -> Console:
    """The console of a game: the terminal's size on a terminal, 100 columns when piped."""
    styles = Theme(THEMES[theme])
    if interactive:
        return SafeConsole(highlight=False, theme=styles)
    return SafeConsole(highlight=False, width=100, force_terminal=False, color_system=None, theme=styles)


class Screen:
    """Draws a game on `console`; `interactive` says whether it is a terminal that can be cleared."""

    def __init__(self, console: Console, interactive: bool):
        self.console = console
        self.interactive = interactive

    @property
    def ascii_only(self) -> bool:
        return not (self.console.encoding or "").lower().startswith("utf")

    def print(self, *things: Any, **kwargs: Any) -> None:
        self.console.print(*things, **kwargs)

    def clear(self) -> None:
        if self.interactive:
            self.console.clear()

    # ------------------------------------------------------------ pieces

    def hint(self, message: str) -> None:
        """A one-line hint after bad input."""
        self.console.print(Text(f"  ! {message}", style="warn.dim"), soft_wrap=True)

    def note(self, message: str, style: str = "note") -> None:
        self.console.print(Text(f"  {message}", style=style), soft_wrap=True)

    def move_text(self, move: Action) -> Text:
        return Text(move.label, style=f"move.{move.label}")

    def gauge(self, value: float, delta: float | None, width: int = 25) -> Text:
        full, empty = ("#", "-") if self.ascii_only else ("█", "░")
        filled = round(max(0.0, min(100.0, value)) / 100 * width)
        style = "low" if value < 33 else "mid" if value < 60 else "high"
        text = Text("Escalation ", style="bold")
        text.append(full * filled, style=style)
        text.append(empty * (width - filled), style="empty")
        text.append(f" {value:5.1f} / 100", style=f"bold {style}")
        if delta is not None:
            up, down = ("^", "v") if self.ascii_only else ("▲", "▼")
            arrow = up if delta > 0.05 else down if delta < -0.05 else "="
            text.append(f"  {arrow} {delta:+.1f}", style="high" if delta > 0.05 else "low")
        return text

    def title(self, game: Game, out_hint: str) -> None:
        """The first screen: the situation, who plays which side (the model's in words), how to play."""
        scn = game.scenario
        body = Table.grid(padding=(0, 1))
        body.add_column(no_wrap=True, style="bold")
        body.add_column(ratio=1)
        for i in range(len(game.ids)):
            side = f"{game.names[i]} ({game.ids[i]})"
            if game.is_human(i):
                body.add_row(side, Text("a team", style="team"))
            else:
                body.add_row(side, f"the model: it {narrate.rule_words(game, i)}")
        body.add_row("", "")
        body.add_row("Game", f"{game.turns} turns of {scn.scenario.turn_days} days from "
                             f"{narrate.day(scn.scenario.start_date)}, seed {game.seed}. {out_hint}")
        body.add_row("How", Text("Type a move's number or name at the prompt (the menu lists the moves open to "
                                 "the side now); 'help' lists the facilitator's commands.", style="italic"))
        about = Text(scn.scenario.description.strip() or scn.scenario.title)
        self.print(Panel(Group(about, Text(""), body), title=Text(scn.scenario.title or scn.name, style="bold"),
                         box=box.ROUNDED))

    # ------------------------------------------------------------ the briefing

    def briefing(self, game: Game) -> None:
        """The situation before the next turn: last turn's story, treaty, ultimatums, sides, gauge."""
        t = game.next_turn
        head = (f"Turn {t} of {game.turns} · {narrate.day(game.date(t))}"
                f" · {game.scenario.scenario.title or game.scenario.name}")
        story = Table.grid(padding=(0, 1))
        story.add_column(width=1)
        story.add_column(ratio=1)
        if game.history:
            last = game.history[-1]
            lines = narrate.turn_sentences(game, last)
            heading = f"Last turn ({narrate.day(last.date)}):"
        else:
            lines = narrate.opening_sentences(game)
            heading = f"Before the game ({narrate.day(game.date(0))}):"
        story.add_row("", Text(heading, style="bold"))
        for line in lines:
            story.add_row("•" if not self.ascii_only else "*", Text(line))
        pending = [j for j in game.injections if j.turn == t]
        for j in pending:
            story.add_row("!", Text(j.note, style="event.dim"))
        for i, move in game.scenario_moves_overruled().items():
            story.add_row("i", Text(f"In the scenario's history {game.names[i]} plays {move.label} now; "
                                    "the team decides.", style="italic"))
        for i, (move, who) in game.forced().items():
            if who == "scenario":
                story.add_row("i", Text(f"Scenario event: {game.names[i]} plays {move.label} this turn.",
                                        style="italic"))
        self.print(Panel(story, title=Text(head, style="bold"), title_align="left", box=box.ROUNDED, padding=(0, 1)))
        self.print(Text.assemble(("Treaty: ", "bold"), narrate.treaty_text(game)))
        ults = narrate.ultimatum_lines(game)
        self.print(Text.assemble(("Ultimatums: ", "bold"), "; ".join(ults) if ults else "none open"))
        self.print(self.sides(game))
        self.print(Text(narrate.SCORE_LEGEND, style="dim"))
        value, delta = narrate.escalation_trend(game)
        gauge = self.gauge(value, delta)
        path = narrate.sparkline(game.escalation_path(), self.ascii_only)
        gauge.append(f"  trend {path}", style="dim")
        gauge.append(f"  breakdown risk {100 * narrate.hazard(game):.2g}% a turn", style="dim")
        self.print(gauge)
        self.print(Text.assemble(("Index: ", "bold"), narrate.index_text(game)))

    def sides(self, game: Game) -> Table:
        """One row per side: who plays it, its last move, missiles, programme, credibility, trust, score."""
        s = game.state
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0), show_edge=False)
        columns: tuple[tuple[str, JustifyMethod], ...] = (
            ("side", "left"), ("last move", "left"), ("missiles", "right"), ("disp.", "right"),
            ("programme", "left"), ("cred.", "right"), ("trusts", "left"), ("score", "left"))
        for col, just in columns:   # "development" and "10/10 worst" wrap at their spaces, never inside a word
            table.add_column(col, justify=just, overflow="fold", min_width={"programme": 11}.get(col))
        stacked = self.console.width < 96     # narrow: one trust (and the score's word) a line, none cut in two
        scores = self.scores(game)
        for i in range(len(game.ids)):
            pipe = s.pipeline[0, i]
            order = int(pipe.sum())
            held = str(int(s.missiles[0, i]))
            if order:     # ordered, not yet arrived: how many, and when the first arrive
                first = next(k for k in range(pipe.shape[0]) if pipe[k] > 0)
                held += f" +{order} {game.date(game.turn + 1 + first):%b %y}"
            side = Text(game.ids[i] + " ")
            side.append("team" if game.is_human(i) else "model", style="team" if game.is_human(i) else "dim")
            trusts = ("\n" if stacked else " ").join(f"{game.ids[j]} {float(s.trust[0, i, j]):.2f}"
                                                     for j in range(len(game.ids)) if j != i)
            table.add_row(side, self.move_text(Action(int(s.last_moves[0, i]))), held, str(int(s.disputed[0, i])),
                          narrate.programme_short(game, s, i), f"{float(s.credibility[0, i]):.2f}", trusts,
                          scores[i].replace(" ", "\n") if stacked else scores[i])
        return table

    def scores(self, game: Game) -> list[str]:
        """Each side's score so far in words ('8/10 good'), '-' before the first turn."""
        return [narrate.side_score(game, i) for i in range(len(game.ids))]

    def menu(self, game: Game, i: int) -> None:
        table = Table(box=box.SIMPLE, show_header=False, pad_edge=False, padding=(0, 1), show_edge=False)
        table.add_column("#", justify="right", style="bold")
        table.add_column("move", no_wrap=True)
        table.add_column("what it does now", ratio=1)
        for move, text in narrate.menu(game, i):
            table.add_row(str(int(move) + 1), self.move_text(move), text)
        self.print(Text(f"Moves open to {game.names[i]} ({game.ids[i]}) now:", style="bold"))
        self.print(table)

    def waiting(self, game: Game) -> None:
        """Hot seat: who has chosen (never what), who is still to choose."""
        if len(game.humans) < 2:
            return
        parts = Text("Choices: ", style="bold")
        for a in game.humans:
            i = game.index[a]
            if i in game.forced():
                parts.append(f"{a} forced  ", style="event.dim")
            elif game.has_chosen(a):
                parts.append(f"{a} chosen (hidden)  ", style="ok.dim")
            else:
                parts.append(f"{a} to choose  ", style="warn.dim")
        self.print(parts)

    # ------------------------------------------------------------ after the turn

    def reveal(self, game: Game, rec: TurnRecord) -> None:
        moves = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 2), show_edge=False)
        moves.add_column("side")
        moves.add_column("move")
        moves.add_column("chosen by")
        moves.add_column("how it did (others' moves as they were)")
        for i, a in enumerate(game.ids):
            values = narrate.move_payoffs(game, rec, i)
            grade = narrate.turn_grade(values, rec.moves[i], rec.chosen_by[i] in (FACILITATOR, SCENARIO))
            moves.add_row(f"{game.names[i]} ({a})", self.move_text(rec.moves[i]),
                          Text(narrate.WHO[rec.chosen_by[i]], style="team" if rec.chosen_by[i] == TEAM else ""),
                          grade)
        story = Table.grid(padding=(0, 1))
        story.add_column(width=1)
        story.add_column(ratio=1)
        for line in narrate.turn_sentences(game, rec):
            story.add_row("•" if not self.ascii_only else "*", Text(line))
        gauge = self.gauge(rec.escalation, rec.delta)
        self.print(Panel(Group(moves, Text(""), story, Text(""), gauge),
                         title=Text(f"Moves revealed · turn {rec.turn} · {narrate.day(rec.date)}", style="bold"),
                         title_align="left", box=box.DOUBLE, padding=(0, 1)))

    def game_over(self, game: Game) -> None:
        assert game.over_reason is not None   # shown once the game is over
        reason = {"incident": "the crisis broke down (an incident)",
                  "turns": f"the last turn ({game.turns}) has been played",
                  "quit": "the facilitator ended it"}[game.over_reason]
        scores = self.scores(game)
        final = "; ".join(f"{game.names[i]} {scores[i]}" for i in range(len(game.ids)))
        self.print(Panel(Text(f"The game is over: {reason}. Escalation {game.escalation_path()[-1]:.1f} / 100 "
                              f"after {game.turn} turn{'s' if game.turn != 1 else ''}. Scores out of 10 (10 = the "
                              f"best move every turn): {final}."),
                         title=Text("Game over", style="bold"), title_align="left", box=box.HEAVY))

    def help(self) -> None:
        table = Table(box=box.SIMPLE, show_header=False, pad_edge=False, show_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for form, what in COMMANDS:
            table.add_row(form, what)
        for form, what in CATALOGUE:
            table.add_row("  " + form, what)
        table.add_row("Ctrl-D / Ctrl-C", "leave at once; the game is saved to a file named on screen")
        self.print(Panel(table, title=Text("Commands at the prompt", style="bold"), title_align="left",
                         box=box.ROUNDED))
