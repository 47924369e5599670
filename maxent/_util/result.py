"""The scipy-style result of the optimisers, without importing scipy.optimize.

:class:`OptimizeResult` behaves like ``scipy.optimize.OptimizeResult`` (a dict whose keys
are also attributes: ``x``, ``success``, ``status``, ``message``, ``nit`` and the
method's own fields); having it here keeps ``scipy.optimize`` (about 0.6 s to import) off
the path of every command that only reports an optimum.
"""

from __future__ import annotations

__all__ = ["OptimizeResult"]


class OptimizeResult(dict):
    """A dict with attribute access: the fields of an optimiser's answer.

    Examples
    --------
    >>> r = OptimizeResult(x=[1, 2], success=True)
    >>> r.success, r["x"]
    (True, [1, 2])
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    __setattr__ = dict.__setitem__
    __delattr__ = dict.__delitem__

    def __repr__(self) -> str:
        if not self:
            return f"{type(self).__name__}()"
        width = max(map(len, self)) + 1
        lines = []
        for key, value in self.items():
            text = repr(value)
            if len(text) > 70:
                text = text[:67] + "..."
            lines.append(f"{key.rjust(width)}: {text}")
        return "\n".join(lines)

    def __dir__(self):
        return list(self.keys())
