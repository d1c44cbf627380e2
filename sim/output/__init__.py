"""Results of runs: tables, files, CSV text, figures (imports only the layers below: core, kernel, rules)."""
