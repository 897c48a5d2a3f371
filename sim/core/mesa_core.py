"""Mesa's ``Agent`` and ``Model`` without the cost of importing the whole Mesa package.

``import mesa`` runs Mesa's ``__init__``, which imports its spaces, experimental modules, batch
runner and data collector, and with them pandas, networkx, scipy.spatial and tqdm: about 1 s
(Mesa 3.3, 2-core machine), three times the simulation of a district at scale 1. The model needs
only ``mesa.agent`` and ``mesa.model``, which import nothing but numpy.

:func:`load_mesa` registers the ``mesa`` package in ``sys.modules`` without running its
``__init__`` (the way ``importlib.util.LazyLoader`` defers a module), imports those two
submodules and gives the package a module ``__getattr__`` that runs the real ``__init__`` the
first time anything else of the package is asked for (``mesa.DataCollector``,
``mesa.__version__``, ...). ``import mesa.space`` or ``from mesa.visualization import ...``
work as usual (the package's ``__path__`` is set). So code that uses the rest of Mesa pays for it
when it uses it, and code that only builds and steps a model does not.

If Mesa was already imported, the real package is returned unchanged.

``mesa.model`` names its logger after itself (``create_module_logger()`` finds the calling module
with ``inspect.stack()``) and names the class of a logged method (``method_logger`` uses
``inspect.getouterframes``): both read the source lines of every frame on the stack, and look up
the module of each frame of the import machinery, 124 M instructions (some 30 ms) deep inside the
imports. While the two submodules are imported, Mesa's logging module sees :class:`_FrameNames`
as its ``inspect``: the same module, names and frames, without reading sources.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import threading
from types import FrameType, ModuleType
from typing import Any

_CORE = ("mesa.agent", "mesa.model")
_lock = threading.RLock()


class _FrameNames:
    """What ``mesa.mesa_logging`` asks of ``inspect`` (the caller's frame, module and function
    name), taken from the frames alone: no source line is read, no module searched for.
    """

    @staticmethod
    def currentframe() -> FrameType:
        return sys._getframe(1)

    @staticmethod
    def getouterframes(frame: FrameType | None, context: int = 1) -> list[tuple[Any, ...]]:
        frames = []
        while frame is not None:
            frames.append((frame, frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name, None, None))
            frame = frame.f_back
        return frames

    @classmethod
    def stack(cls, context: int = 1) -> list[tuple[Any, ...]]:
        return cls.getouterframes(sys._getframe(1), context)

    @staticmethod
    def getmodule(frame: FrameType) -> ModuleType:
        return sys.modules[frame.f_globals["__name__"]]


def load_mesa() -> ModuleType:
    """The ``mesa`` package with ``Agent`` and ``Model`` loaded (the rest on first use).

    Returns:
        The ``mesa`` module (the one in ``sys.modules``).
    """
    with _lock:
        module = sys.modules.get("mesa")
        if module is not None:
            return module
        spec = importlib.util.find_spec("mesa")
        if spec is None or spec.loader is None:  # pragma: no cover - mesa is a dependency
            raise ModuleNotFoundError("No module named 'mesa'", name="mesa")
        module = importlib.util.module_from_spec(spec)
        state = {"complete": False}

        def complete(name: str):
            """Run Mesa's own ``__init__`` in the package (once), then look ``name`` up."""
            with _lock:
                if not state["complete"]:
                    state["complete"] = True
                    del module.__dict__["__getattr__"]
                    spec.loader.exec_module(module)
            try:
                return module.__dict__[name]
            except KeyError:
                raise AttributeError(f"module 'mesa' has no attribute {name!r}") from None

        module.__getattr__ = complete
        sys.modules["mesa"] = module
        logging_module = importlib.import_module("mesa.mesa_logging")
        logging_module.inspect = _FrameNames
        try:
            for name in _CORE:
                importlib.import_module(name)
        except BaseException:
            sys.modules.pop("mesa", None)
            sys.modules.pop("mesa.mesa_logging", None)
            for name in _CORE:
                sys.modules.pop(name, None)
            raise
        finally:
            logging_module.inspect = inspect
        module.Agent = sys.modules["mesa.agent"].Agent
        module.Model = sys.modules["mesa.model"].Model
        return module


mesa = load_mesa()
"""The ``mesa`` package (see :func:`load_mesa`): ``mesa.Agent`` and ``mesa.Model`` are loaded."""

__all__ = ["load_mesa", "mesa"]
