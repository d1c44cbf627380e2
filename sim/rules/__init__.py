"""Decision rules, one module per family (`base` what every rule is, `registry` the rules by name); their
parameters and presets are `sim.core.rule_specs`, which the scenario schema reads without the kernel.
Import from the submodules: this package imports nothing."""
