"""The `materials` command (registered by `sim.cli.build_parser`): print-ready role cards, primer, glossary."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sim.arguments import shared
from sim.core import scenario
from sim.core.options import DEFAULT_SCENARIO
from sim.core.textsafe import printable

EPILOG = """\
examples:
  # the cards, primer and glossary of inf_2018 in results/materials_inf_2018/
  %(prog)s inf_2018
  # into a folder of your own, replacing what an earlier run wrote there
  %(prog)s inf_2018 --out handouts
"""


def add_parser(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser] | None = None) -> None:
    """Add `materials` to the subcommands `sub` (which already makes parsers of the command line's class)."""
    p = sub.add_parser(
        "materials", help="print-ready role cards, primer and glossary for a class", epilog=EPILOG,
        parents=[shared("--out", "--force", out="output folder (default results/materials_SCENARIO)")],
        description="Write a scenario's student materials as HTML pages that print well on A4 (no internet "
                    "needed, nothing loaded from elsewhere): one role card per actor, card_ID.html (who the side "
                    "is, what it wants, what each of its moves does, what it knows and its private intelligence, "
                    "marked for that team only), cards.html (every card, one per printed page), primer.html (one "
                    "page on the treaty and the crisis up to January 2019, and the situation at the start), "
                    "glossary.html (credibility, audience cost, violation, notice, hazard, the escalation index, "
                    "the moves) and index.html linking them. Briefings come from each actor's "
                    "[actors.briefing] table of the scenario; what it leaves out is derived from the scenario.\n\n"
                    "For PDF, open a page in a browser and print it to PDF (A4). A folder this program did not "
                    "make is refused unless --force; the pages replace old ones only once all are written.")
    p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO,
                   help=f"a scenario's name (see `list`) or a path to a TOML file (default {DEFAULT_SCENARIO})")


def cmd_materials(args: argparse.Namespace) -> int:
    """Write the materials and print where they are."""
    from sim.materials.build import write

    scn = scenario.load(args.scenario)
    out = args.out if args.out is not None else Path("results") / f"materials_{scn.name}"
    paths = write(scn, out, args.force)
    print(printable(f"{scn.name}: {len(scn.actors)} role cards, primer and glossary: {out}{os.sep}index.html "
                    f"({len(paths)} pages; print them from a browser, A4)"))
    return 0
