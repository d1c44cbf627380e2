"""Who decided a move in the classroom game: a team, the model (a rule), the facilitator, a scenario event,
or a bot: the scenario's rule standing in for a team nobody is playing (web classroom)."""

TEAM, MODEL, FACILITATOR, SCENARIO, BOT = "team", "model", "facilitator", "scenario", "bot"
