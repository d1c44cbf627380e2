"""What runs a crisis: its start, batches of replicas, the Mesa model, ensembles over processes or Dask."""
