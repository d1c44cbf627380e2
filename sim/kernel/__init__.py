"""The compiled kernels: the turn and the look-ahead, over the state's records (imports only `sim.core`)."""
