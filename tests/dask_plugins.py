"""A Dask worker plugin for the tests: kill the worker process running a chosen task."""

import os
import signal

from distributed import WorkerPlugin


class KillOnce(WorkerPlugin):
    """SIGKILL the worker process when it starts the ``nth`` sweep task it runs.

    The first worker to get there claims ``marker`` (created exclusively, holding its
    pid and the task's key), so that exactly one worker dies, once, with a task in
    flight; the restarted worker and the others find the marker and run on.
    """

    name = "maxent-kill-once"

    def __init__(self, marker: str, nth: int = 3):
        self.marker, self.nth = marker, nth

    def setup(self, worker):
        self.started = 0

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing" or not str(key).startswith("maxent-task-"):
            return
        self.started += 1
        if self.started != self.nth:
            return
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, f"{os.getpid()} {key}".encode())
        os.fsync(fd)
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)
