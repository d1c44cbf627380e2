"""Print-ready student materials of a scenario: role cards, a primer and a glossary (`run_sim.py materials`).

`build` renders them from Jinja2 templates (``templates/``, shipped in the wheel); `cli` is the command.
"""
