"""Render a scenario's student materials as HTML pages and write them into an output folder.

Every text of the scenario goes through Jinja2 with autoescape on, so a name or briefing that holds
markup is shown as text, never run. The pages carry their own CSS (no CDN, no external font) and
print on A4, one card per page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.briefing import Briefing, briefing, can_ever_play, day, situation
from sim.core.actions import MOVES, Action
from sim.core.scenario import Scenario
from sim.core.state import COMPONENT_LABELS, COMPONENT_WEIGHTS

FIXED_PAGES = ("index.html", "cards.html", "primer.html", "glossary.html")
CARD_PREFIX = "card_"


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    term: str
    meaning: str
    is_move: bool = False


def card_file(actor_id: str) -> str:
    """The file name of an actor's card (actor ids are letters, digits and underscores)."""
    return f"{CARD_PREFIX}{actor_id}.html"


def is_output(name: str) -> bool:
    """Whether `name` is a page this command writes (an old card of another scenario is replaced)."""
    return name in FIXED_PAGES or (name.startswith(CARD_PREFIX) and name.endswith(".html"))


def glossary(scn: Scenario) -> list[Term]:
    """The terms a student meets in the game, with this scenario's numbers, then the moves some side can play."""
    t, r, d, e = scn.treaty, scn.risk, scn.diplomacy, scn.escalation
    parts = ", ".join(f"{COMPONENT_LABELS[c]} (weight {getattr(e, w):g})" for c, w in COMPONENT_WEIGHTS.items())
    terms = [
        Term("credibility", "How sure the others are that a side is resolute, that it carries out its threats, from "
             "0 to 1. Issuing an ultimatum raises it: a bluffer shies away from threats that are costly to back down "
             "from. When an ultimatum runs out unmet, what the side does updates it by Bayes' rule: a resolute side "
             f"carries out {d.carry_if_resolute:.0%} of its threats, a bluffer {d.carry_if_bluffing:.0%}, so a "
             "lapse costs far more credibility than following through earns."),
        Term("audience cost", "What a government pays at home for backing down from a public threat: when its "
             "ultimatum lapses unmet and it has not acted. The higher the escalation when the threat was made, the "
             "larger the cost (Fearon 1994; Tomz 2007)."),
        Term("violation", "Testing, producing or fielding the banned missiles while the treaty binds you. Flight "
             f"tests are seen with a chance of {r.p_detect_test:.0%} a turn, missiles fielded in secret with "
             f"{r.p_detect:.0%}; a side found out pays in reputation and loses the others' trust."),
        Term("notice", f"A party's formal announcement that it leaves the treaty. The treaty ends {t.notice_days} "
             "days later unless an agreement rescinds the notice; the side that gave notice is no longer bound "
             "from the start."),
        Term("hazard", "The chance that the crisis breaks down in an incident this turn. It comes from missiles that "
             "can strike the other side, the more so the less warning they leave (a ballistic missile gives minutes, "
             "a cruise missile most of an hour), and it grows when an ultimatum is open between the two sides and "
             f"most when each side's missiles are within reach of the other's: {r.h_max:.1%} a turn at the top, "
             "nothing while no missiles are within reach. An incident ends the game, and every side pays its war "
             "cost."),
        Term("escalation index", "One number from 0 (calm) to 99 (the top) for the whole crisis. Its tens digit is "
             "the rung of Kahn's escalation ladder the crisis stands on, from 0 (no crisis) to 9 (a military "
             "confrontation), read pair by pair of adversaries; the last digit is the intensity on that rung, "
             f"made of {parts}. The game shows it every turn, with its parts."),
        Term("dispute", "A side is in dispute when others say its missiles or programme break the treaty. Only a "
             "side in dispute can be given an ultimatum, and only it can comply."),
        Term("trust", "How much one side believes another's offers, from 0 to 1. Talks go faster between sides "
             "that trust each other; ultimatums, notices, deployments and detected violations lower trust."),
        Term("agreement", "When two adversaries both offer talks, they hold a round; enough rounds make an "
             "agreement. While the treaty lives it settles their disputes and rescinds a notice; once the treaty "
             "is gone it is a new treaty."),
    ]
    if any(a.host_for for a in scn.actors):
        terms.append(Term("host", "A side that owns no missiles but may consent to base its ally's missiles on its "
                          "territory, from where they reach further. It may withdraw its consent, and consent again."))
    return terms + [Term(a.label, f"{MOVES[a].meaning[:1].upper()}{MOVES[a].meaning[1:]}. Offered when: "
                         f"{MOVES[a].offered_when}.", is_move=True) for a in Action
                     if any(can_ever_play(scn, actor, a) for actor in scn.actors)]


def render(scn: Scenario) -> dict[str, str]:
    """Every page of `scn`'s materials, by file name."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("sim.materials", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    cards: list[Briefing] = [briefing(scn, a) for a in scn.actor_ids]
    common = {"scn": scn, "meta": scn.scenario, "cards": cards, "card_file": card_file, "day": day,
              "has_treaty": scn.treaty.status != "none"}
    pages = {
        "index.html": env.get_template("index.html").render(**common, title="Student materials"),
        "cards.html": env.get_template("cards.html").render(**common, title="Role cards"),
        "primer.html": env.get_template("primer.html").render(**common, title="Primer",
                                                              situation=situation(scn)),
        "glossary.html": env.get_template("glossary.html").render(**common, title="Glossary",
                                                                  terms=glossary(scn)),
    }
    card = env.get_template("card.html")
    for b in cards:
        pages[card_file(b.actor_id)] = card.render(**common, title=f"Role card: {b.name}", card=b)
    return pages


def write(scn: Scenario, out: Path, force: bool) -> list[Path]:
    """Render the materials, then write them into `out` as `run` writes its results: a folder this program
    did not make is refused unless `force`, and the pages replace the old ones only when all are written."""
    from sim.output.result_files import writing

    pages = render(scn)   # everything that can fail on the scenario fails before the folder is touched
    with writing(out, force, stale=is_output, seals=("index.html",)) as stage:
        for name, html in pages.items():
            (stage / name).write_text(html, encoding="utf-8")
    return [out / name for name in pages]
