"""The classroom on the web: one game in a local server, a page per team, a projector and a facilitator."""
