"""Parameter sweeps: many tasks from one study file, resumable, on cores or a Dask cluster.

:mod:`~maxent._sweep.study` reads and validates the study file and keys every task by
its parameters, :mod:`~maxent._sweep.task` runs one task, :mod:`~maxent._sweep.store`
writes the results, decides what a resumed directory can reuse and assembles the table,
:mod:`~maxent._sweep.precision` adds seeds until the slopes are precise,
:mod:`~maxent._sweep.backends` runs tasks on a process pool or Dask, and
:mod:`~maxent._sweep.run` ties them together in :func:`run_sweep`.
"""
