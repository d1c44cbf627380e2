"""A presentation for the projector: slides of HTML, one screen each, large type, moved through by keyboard.

`deck` lays out slides the debrief has cut from its document (`sim.play.debrief.slides_of`): one
self-contained page (styles and script inside, nothing fetched), which shows one slide at a time,
sized to the screen. Keys: Right, Down, Page Down, Space or Enter for the next slide; Left, Up, Page Up
or Backspace for the one before; Home and End; a click on the right of the screen goes on, on the left
back. The slide shown is in the address (#3), so a reload stays where it was. Printed, every slide is a
page.
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Slide:
    title: str            # HTML (already escaped)
    body: list[str]       # HTML blocks


#: The start of a self-contained page, to its <style> (the debrief's document page begins so too).
HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
"""

PAGE = HEAD + """html, body {{ margin: 0; height: 100%; background: #fff; color: #111; }}
body {{ font: clamp(16px, min(3.1vh, 2.1vw), 46px)/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }}
.slide {{ display: none; box-sizing: border-box; height: 100vh; padding: 3vh 4vw 6vh; flex-direction: column;
          overflow: auto; }}
.slide.on {{ display: flex; }}
.slide h1 {{ font-size: 2.1em; margin: 0 0 .4em; }}
.slide h2 {{ font-size: 1.5em; margin: 0 0 .5em; color: #0b5394; }}
.slide p, .slide li {{ max-width: 62em; }}
.slide li {{ margin-bottom: .4em; }}
.slide figure {{ flex: 1; min-height: 0; margin: 0; display: flex; justify-content: center; }}
.slide figure img {{ max-width: 100%; max-height: 100%; object-fit: contain; }}
.slide table {{ border-collapse: collapse; font-size: .8em; }}
.slide th, .slide td {{ border: 1px solid #bbb; padding: .2em .5em; text-align: left; vertical-align: top; }}
.slide th {{ background: #f2f2f2; }}
.slide td.num, .slide th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.slide tr.noted td {{ border-bottom-style: hidden; }}
.slide tr.note td {{ padding-left: 1.5em; }}
.slide tr.note .what {{ color: #4a4a4a; }}
.wide {{ overflow: auto; }}
.mv {{ border-radius: 3px; padding: 0 .25em; }}
{extra_css}
.count {{ position: fixed; right: 1.2vw; bottom: 1vh; color: #4a4a4a; font-size: .7em; }}
.hint {{ position: fixed; left: 1.2vw; bottom: 1vh; color: #4a4a4a; font-size: .6em; }}
@media print {{ .slide {{ display: flex; height: auto; break-after: page; }} .count, .hint {{ display: none; }} }}
</style>
</head>
<body>
{slides}
<div class="count" id="count" aria-live="polite"></div>
<div class="hint">→ next · ← back</div>
<script>
"use strict";
const slides = Array.from(document.querySelectorAll(".slide"));
let at = 0;
function show(k) {{
  at = Math.max(0, Math.min(slides.length - 1, k));
  slides.forEach((s, q) => s.classList.toggle("on", q === at));
  document.getElementById("count").textContent = (at + 1) + " / " + slides.length;
  history.replaceState(null, "", "#" + (at + 1));
}}
document.addEventListener("keydown", (e) => {{
  if (["ArrowRight", "ArrowDown", "PageDown", " ", "Enter"].includes(e.key)) {{ show(at + 1); e.preventDefault(); }}
  else if (["ArrowLeft", "ArrowUp", "PageUp", "Backspace"].includes(e.key)) {{ show(at - 1); e.preventDefault(); }}
  else if (e.key === "Home") show(0);
  else if (e.key === "End") show(slides.length - 1);
}});
document.addEventListener("click", (e) => {{
  if (e.target.closest("a, table, .wide")) return;
  show(at + (e.clientX > window.innerWidth / 3 ? 1 : -1));
}});
show((parseInt(location.hash.slice(1), 10) || 1) - 1);
</script>
</body>
</html>
"""


def deck(title: str, slides: list[Slide], extra_css: str = "") -> str:
    """The page of `slides` under `title` (plain text); `extra_css` for the blocks' own classes."""
    parts = []
    for k, slide in enumerate(slides):
        heading = f"<h1>{slide.title}</h1>" if k == 0 else f"<h2>{slide.title}</h2>"
        parts.append(f'<section class="slide" aria-label="slide {k + 1}">{heading}{"".join(slide.body)}</section>')
    return PAGE.format(title=html.escape(title), slides="\n".join(parts), extra_css=extra_css)
