"""What the class sees, drawn with rich: the briefing, the move menu, the reveal, help and hints.

Everything is printed to one `rich.console.Console` on standard output. On a terminal the screen
is cleared between turns and colours are used; piped or redirected, the same text is printed one
screen after another, without colour or cursor movement. Without a UTF-8 output encoding the
gauge and the trend line fall back to ASCII.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, JustifyMethod, RenderableType
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from sim.actions import MOVE_NAMES, MOVES, Action
from sim.play import narrate
from sim.play.engine import Game, TurnRecord
from sim.play.injections import CATALOGUE
from sim.textsafe import printable

MOVE_STYLE = {a: f"bold {MOVES[a].colour}" for a in Action}     # the move table's colours
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


def make_console(interactive: bool) -> Console:
    """The console of a game: the terminal's size on a terminal, 110 columns when piped."""
    if interactive:
        return SafeConsole(highlight=False)
    return SafeConsole(highlight=False, width=110, force_terminal=False, color_system=None)


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
        self.console.print(Text(f"  ! {message}", style="yellow"), soft_wrap=True)

    def note(self, message: str, style: str = "cyan") -> None:
        self.console.print(Text(f"  {message}", style=style), soft_wrap=True)

    def move_text(self, move: Action) -> Text:
        return Text(move.label, style=MOVE_STYLE[move])

    def gauge(self, value: float, delta: float | None, width: int = 30) -> Text:
        full, empty = ("#", "-") if self.ascii_only else ("█", "░")
        filled = round(max(0.0, min(100.0, value)) / 100 * width)
        style = "green" if value < 33 else "yellow" if value < 60 else "red"
        text = Text("Escalation ", style="bold")
        text.append(full * filled, style=style)
        text.append(empty * (width - filled), style="grey50")
        text.append(f" {value:5.1f} / 100", style=f"bold {style}")
        if delta is not None:
            up, down = ("^", "v") if self.ascii_only else ("▲", "▼")
            arrow = up if delta > 0.05 else down if delta < -0.05 else "="
            text.append(f"  {arrow} {delta:+.1f}", style="red" if delta > 0.05 else "green")
        return text

    def title(self, game: Game, out_hint: str) -> None:
        scn = game.scenario
        teams = ", ".join(f"{game.names[game.index[a]]} ({a})" for a in game.humans) or "nobody"
        model = ", ".join(f"{game.names[i]} ({game.crisis.rules[i]!r})"
                          for i in range(len(game.ids)) if not game.is_human(i)) or "nobody"
        body = Group(
            Text(scn.scenario.description.strip() or scn.scenario.title),
            Text(""),
            Text.assemble(("Teams play: ", "bold"), teams),
            Text.assemble(("The model plays: ", "bold"), model),
            Text.assemble(("Game: ", "bold"), f"{game.turns} turns of {scn.scenario.turn_days} days from "
                          f"{narrate.day(scn.scenario.start_date)}, seed {game.seed}. {out_hint}"),
            Text("Type a move's number or name at the prompt (the menu lists the moves open to the side now); "
                 "'help' lists the facilitator's commands.", style="italic"),
        )
        self.print(Panel(body, title=Text(scn.scenario.title or scn.name, style="bold"), box=box.ROUNDED))

    # ------------------------------------------------------------ the briefing

    def briefing(self, game: Game) -> None:
        """The situation before the next turn: last turn's story, treaty, ultimatums, sides, gauge."""
        t = game.next_turn
        head = (f"Turn {t} of {game.turns} · {narrate.day(game.date(t))}"
                f" · {game.scenario.scenario.title or game.scenario.name}")
        story = Table.grid(padding=(0, 1))
        story.add_column(width=2)
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
            story.add_row("!", Text(j.note, style="magenta"))
        for i, move in game.scenario_moves_overruled().items():
            story.add_row("i", Text(f"In the scenario's history {game.names[i]} plays {move.label} now; "
                                    "the team decides.", style="italic"))
        for i, (move, who) in game.forced().items():
            if who == "scenario":
                story.add_row("i", Text(f"Scenario event: {game.names[i]} plays {move.label} this turn.",
                                        style="italic"))
        self.print(Panel(story, title=Text(head, style="bold"), title_align="left", box=box.ROUNDED))

        status = Text.assemble(("Treaty: ", "bold"), narrate.treaty_text(game))
        self.print(status)
        ults = narrate.ultimatum_lines(game)
        self.print(Text.assemble(("Ultimatums: ", "bold"), "; ".join(ults) if ults else "none open"))
        self.print(self.sides(game))
        value, delta = narrate.escalation_trend(game)
        gauge = self.gauge(value, delta)
        path = narrate.sparkline(game.escalation_path(), self.ascii_only)
        gauge.append(f"   trend {path}", style="grey50")
        gauge.append(f"   breakdown risk {100 * narrate.hazard(game):.2g}% a turn", style="grey50")
        self.print(gauge)
        self.print(Text.assemble(("Index: ", "bold"), narrate.index_text(game)))

    def sides(self, game: Game) -> Table:
        s = game.state
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
        columns: tuple[tuple[str, JustifyMethod], ...] = (
            ("side", "left"), ("by", "left"), ("last move", "left"), ("missiles", "right"), ("disputed", "right"),
            ("programme", "left"), ("cred.", "right"), ("trusts", "left"), ("score", "right"))
        for col, just in columns:
            table.add_column(col, justify=just, no_wrap=col != "side")
        totals = game.payoff_totals()
        for i in range(len(game.ids)):
            pipe = s.pipeline[0, i]
            order = int(pipe.sum())
            held = str(int(s.missiles[0, i]))
            if order:     # ordered, not yet arrived: how many, and when the first arrive
                first = next(k for k in range(pipe.shape[0]) if pipe[k] > 0)
                held += f" +{order} {game.date(game.turn + 1 + first):%b %y}"
            who = "TEAM" if game.is_human(i) else "model"
            table.add_row(
                game.names[i], Text(who, style="bold cyan" if who == "TEAM" else ""),
                self.move_text(Action(int(s.last_moves[0, i]))), held, str(int(s.disputed[0, i])),
                narrate.programme_short(game, s, i), f"{float(s.credibility[0, i]):.2f}", narrate.trust_row(game, i),
                f"{totals[i]:+.2f}")
        return table

    def menu(self, game: Game, i: int) -> None:
        table = Table(box=box.SIMPLE, show_header=False, pad_edge=False, padding=(0, 1))
        table.add_column("#", justify="right", style="bold")
        table.add_column("move", no_wrap=True)
        table.add_column("what it does now", ratio=1)
        for move, text in narrate.menu(game, i):
            table.add_row(str(int(move) + 1), self.move_text(move), text)
        self.print(Text(f"Moves open to {game.names[i]} ({game.ids[i]}) now:", style="bold"))
        self.print(table)

    def waiting(self, game: Game) -> None:
        """Hot seat: who has chosen (never what), who is still to choose."""
        if len([a for a in game.humans if game.index[a] not in game.forced()]) < 2:
            return
        parts = Text("Choices: ", style="bold")
        for a in game.humans:
            i = game.index[a]
            if i in game.forced():
                parts.append(f"{a} forced  ", style="magenta")
            elif game.has_chosen(a):
                parts.append(f"{a} chosen (hidden)  ", style="green")
            else:
                parts.append(f"{a} to choose  ", style="yellow")
        self.print(parts)

    # ------------------------------------------------------------ after the turn

    def reveal(self, game: Game, rec: TurnRecord) -> None:
        moves = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 2))
        moves.add_column("side")
        moves.add_column("move")
        moves.add_column("chosen by")
        moves.add_column("payoff", justify="right")
        for i, a in enumerate(game.ids):
            moves.add_row(f"{game.names[i]} ({a})", self.move_text(rec.moves[i]),
                          narrate.WHO[rec.chosen_by[i]], f"{float(rec.payoff[i]):+.2f}")
        story = Table.grid(padding=(0, 1))
        story.add_column(width=2)
        story.add_column(ratio=1)
        for line in narrate.turn_sentences(game, rec):
            story.add_row("•" if not self.ascii_only else "*", Text(line))
        gauge = self.gauge(rec.escalation, rec.delta)
        self.print(Panel(Group(moves, story, gauge),
                         title=Text(f"Moves revealed · turn {rec.turn} · {narrate.day(rec.date)}", style="bold"),
                         title_align="left", box=box.DOUBLE))

    def game_over(self, game: Game) -> None:
        assert game.over_reason is not None   # shown once the game is over
        reason = {"incident": "the crisis broke down (an incident)",
                  "turns": f"the last turn ({game.turns}) has been played",
                  "quit": "the facilitator ended it"}[game.over_reason]
        self.print(Panel(Text(f"The game is over: {reason}. Escalation {game.escalation_path()[-1]:.1f} / 100 "
                              f"after {game.turn} turn{'s' if game.turn != 1 else ''}."),
                         title=Text("Game over", style="bold"), title_align="left", box=box.HEAVY))

    def help(self) -> None:
        table = Table(box=box.SIMPLE, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for form, what in COMMANDS:
            table.add_row(form, what)
        for form, what in CATALOGUE:
            table.add_row("  " + form, what)
        table.add_row("Ctrl-D / Ctrl-C", "leave at once; the game is saved to a file named on screen")
        self.print(Panel(table, title=Text("Commands at the prompt", style="bold"), title_align="left",
                         box=box.ROUNDED))
