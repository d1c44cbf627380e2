"""The integer codes of the model's concepts, defined once: moves, programme stages, treaty status,
the rungs of Kahn's escalation ladder.

The compiled kernels read these as constants (numba freezes module globals when it compiles;
`sim.kernel.cache` drops the cached kernels whenever this file changes). Everything else reads them
from here too: `sim.core.actions.Action` takes its values from the move codes.
"""

from __future__ import annotations

from typing import Literal, get_args

# ---------------------------------------------------------------- moves (the column of every move array)
DIALOGUE, HOLD, COMPLY, ULTIMATUM, WITHDRAWAL, DEVELOP, DEPLOYMENT = range(7)
N_MOVES = 7

# ---------------------------------------------------------------- programme stages, in order
Stage = Literal["none", "development", "flight_test", "production", "ready"]
STAGES: tuple[Stage, ...] = get_args(Stage)
NONE_STAGE, DEVELOPMENT, FLIGHT_TEST, PRODUCTION, READY = range(len(STAGES))

# ---------------------------------------------------------------- treaty status
IN_FORCE, NOTICE, TERMINATED, NO_TREATY = range(4)
TREATY_NAMES = ("in_force", "notice", "terminated", "none")
TREATY_CODES = {name: code for code, name in enumerate(TREATY_NAMES)}
#: no actor (no notice given, no ultimatum target)
NO_ONE = -1

# ---------------------------------------------------------------- terms of an agreement
# What each member of a bargaining pair undertakes under the terms on the table (`pair[i, j].terms` is
# i's part of the deal with j): nothing (no bargaining range), keep its force and add nothing, eliminate it,
# or cut it to a ceiling equal for both (parity: the smaller of the two forces at signing).
NO_TERMS, KEEP_FORCE, CUT_FORCE, PARITY = range(4)
TERMS_NAMES = ("none", "keep", "eliminate", "parity")

# ---------------------------------------------------------------- what an ultimatum demands of its target
# (`actor.ult_demand` of the issuer): return to compliance with the treaty (settle the dispute), remove its
# missiles (fielded or on order) that reach the issuer's side, halt its programme (tests, production, ready)
DEMAND_COMPLY, DEMAND_REMOVE, DEMAND_HALT = range(3)
DEMAND_NAMES = ("comply", "remove", "halt")

# ---------------------------------------------------------------- Kahn's escalation ladder
# (On Escalation, 1965): the rungs the model's states map to (docs/ODD.md)
RUNG_NONE, RUNG_OSTENSIBLE, RUNG_DECLARATIONS, RUNG_HARDENING, RUNG_SHOW_OF_FORCE, RUNG_CONFRONTATION = (
    0, 1, 3, 4, 5, 9)
RUNG_NAMES = {RUNG_NONE: "no crisis", RUNG_OSTENSIBLE: "ostensible crisis",
              RUNG_DECLARATIONS: "solemn and formal declarations",
              RUNG_HARDENING: "hardening of positions, confrontation of wills", RUNG_SHOW_OF_FORCE: "show of force",
              RUNG_CONFRONTATION: "dramatic military confrontations"}

# ---------------------------------------------------------------- legality
# The conditions a move's legality is made of; `sim.core.actions.MOVES` lists each move's, the kernel
# (`dynamics.holds`) evaluates them, the play screens say which failed, the briefings which can ever hold.
(ALWAYS, CAN_MEET_DEMAND, NO_OPEN_ULTIMATUM, ADVERSARY_DEMANDABLE, CAN_WITHDRAW, OWNER, BELOW_PRODUCTION,
 STAGE_COMPLETE, CAN_FIELD) = range(9)
N_CONDITIONS = 9
