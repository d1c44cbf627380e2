"""The model's concepts and schema: codes, the move table, scenarios, parameters, the state (the lowest layer)."""
