"""Analysis of the model: the stage game and its equilibria, comparisons, tournaments, sensitivity sweeps."""
