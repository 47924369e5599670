"""Parameter sweeps: many tasks from one study file, resumable, on cores or a Dask cluster.

:mod:`~maxent._sweep.study` reads and validates the study file, :mod:`~maxent._sweep.task`
runs one task, :mod:`~maxent._sweep.store` writes and assembles the results,
:mod:`~maxent._sweep.backends` runs tasks on a process pool or Dask, and
:mod:`~maxent._sweep.run` ties them together in :func:`run_sweep`.
"""
