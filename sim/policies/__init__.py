"""Decision rules, one module per family (`base` what every rule is, `specs` their parameters and presets,
`registry` the rules by name). Import from the submodules: this package imports nothing, so that the
scenario schema can check rule tables (`specs`) without loading the kernel."""
