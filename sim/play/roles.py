"""Who decided a move in the classroom game: a team, the model (a rule), the facilitator, or a scenario event."""

TEAM, MODEL, FACILITATOR, SCENARIO = "team", "model", "facilitator", "scenario"
