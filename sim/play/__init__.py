"""Classroom play: teams type the moves of some actors, the model plays the rest, a debrief follows.

Modules: `engine` (the game over one replica, undo, injections, replay), `injections` (the
facilitator's events), `savefile` (the game file), `narrate` (plain sentences), `screen` (rich),
`session` (the prompt loop), `debrief` (the model-only band, figure, markdown and HTML), `cli`.
"""

from sim.play.engine import Game, PlayError

__all__ = ["Game", "PlayError"]
