"""Figures for a paper: colours told apart by colour-blind readers, --dpi, the year on date axes, turn steps
drawn as steps, legends beside the data."""

from __future__ import annotations

import itertools
import re
import struct
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgb

import sim
from sim.core.actions import COLOURS
from sim.output import plots

ROOT = Path(__file__).resolve().parent.parent
# Machado, Oliveira and Fernandes (2009), severity 1: linear RGB as a dichromat sees it
DICHROMATS = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "typical": np.eye(3),
}
MIN_DELTA_E = 12     # CIE76: the old move colours had 5.9 (dialogue and develop, deuteranopia)


def _lab(colour: str, vision: np.ndarray) -> np.ndarray:
    c = np.asarray(to_rgb(colour))
    linear = np.clip(vision @ np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4), 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    f = np.cbrt(xyz / np.array([0.95047, 1.0, 1.08883]))
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("vision", DICHROMATS)
@pytest.mark.parametrize("palette", ["moves", "components", "actors"])
def test_every_palette_is_told_apart_by_colour_blind_readers(palette, vision):
    colours = {"moves": COLOURS, "components": plots.COMPONENT_COLORS,
               "actors": {str(k): c for k, (c, _) in enumerate(plots.LINE_STYLES[:3])}}[palette]
    closest = min((float(np.linalg.norm(_lab(a, DICHROMATS[vision]) - _lab(b, DICHROMATS[vision]))), m, n)
                  for (m, a), (n, b) in itertools.combinations(colours.items(), 2))
    assert closest[0] >= MIN_DELTA_E, closest


def test_no_figure_uses_a_red_green_colour_map():
    banned = re.compile(r"""["'](RdYlGn|RdYlGn_r|RdGn|PiYG|jet|hsv|rainbow|gist_rainbow)["']""")
    found = [str(p.relative_to(ROOT)) for p in (ROOT / "sim").rglob("*.py") if banned.search(p.read_text())]
    assert not found, found


@pytest.fixture(scope="module")
def result():
    return sim.run("inf_2018", runs=20, turns=30, seed=2, progress=False, jobs=1)


def test_date_axes_name_the_year_on_every_labelled_tick(result):
    fig = plots.plot_escalation(result)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert labels and all(re.search(r"\b(19|20)\d\d\b", label) for label in labels), labels
    matplotlib.pyplot.close(fig)


def test_turn_by_turn_values_are_drawn_as_steps_and_legends_stand_beside_the_axes(result):
    for draw in (plots.plot_escalation, plots.plot_components, plots.plot_treaty, plots.plot_missiles):
        fig = draw(result)
        ax = fig.axes[0]
        assert all(line.get_drawstyle().startswith("steps") for line in ax.get_lines()
                   if len(line.get_xdata()) > 2), draw.__name__        # the vertical markers have two points
        fig.canvas.draw()
        legend = ax.get_legend().get_window_extent()
        assert legend.x0 >= ax.get_window_extent().x1, draw.__name__     # off the data
        matplotlib.pyplot.close(fig)


def _png_width(path: Path) -> int:
    return struct.unpack(">I", path.read_bytes()[16:20])[0]       # IHDR: width, then height


def test_dpi_sets_the_resolution_of_the_png_figures(result, tmp_path, cli_main):
    result.save(tmp_path / "r", plot=False)
    assert cli_main("plot", tmp_path / "r").status == 0
    default = _png_width(tmp_path / "r" / "escalation.png")
    assert cli_main("plot", tmp_path / "r", "--dpi", "240").status == 0
    assert _png_width(tmp_path / "r" / "escalation.png") == 2 * default
    bad = cli_main("plot", tmp_path / "r", "--dpi", "5")
    assert bad.status == 2 and "--dpi" in bad.err and bad.err.count("\n") == 1


def test_morris_labels_cover_no_other_label_nor_interval_and_stay_in_their_panel():
    # three values at the very same (mu*, sigma), as several of inf_2018's are, one just above them, one near
    # the right edge: a label placed one height above another used to land a rounding error short of it and
    # loop for ever, and labels lay across the intervals of values just above them
    from matplotlib.text import Annotation, Text

    from sim.analysis import sweep_plots

    places = {"a.long_name_here": (0.0113, 0.0505), "b.also_long": (0.0113, 0.0505), "c.third": (0.0113, 0.0505),
              "d.top": (0.0259, 0.084), "e.at_the_edge": (0.099, 0.02), "g.close": (0.0113, 0.0525)}
    rows = [{"outcome": outcome, "factor": key, "index": index, "value": value, "conf95": 0.02}
            for outcome, _ in sweep_plots.HEADLINE for key, (mu, sigma) in places.items()
            for index, value in (("mu_star", mu), ("sigma", sigma))]
    fig = sweep_plots.plot_morris(rows, {"scenario": "s", "method": "morris", "points": 9, "runs": 2, "turns": 60,
                                         "seed": 1})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [Text.get_window_extent(t, renderer) for t in ax.texts if isinstance(t, Annotation)]   # no line
        assert len(boxes) == 6
        bars = [(ax.transData.transform((mu - 0.02, sigma)), ax.transData.transform((mu + 0.02, sigma)))
                for mu, sigma in places.values()]
        for box, ((x0, y), (x1, _)) in itertools.product(boxes, bars):
            assert not (box.y0 < y < box.y1 and box.x0 < x1 and x0 < box.x1), "a label covers an interval"
        panel = ax.get_window_extent(renderer)
        for box in boxes:
            assert panel.x0 <= box.x0 and box.x1 <= panel.x1 + 1, "a label leaves its panel"
        for one, other in itertools.combinations(boxes, 2):
            assert not one.overlaps(other), "two labels overlap"
