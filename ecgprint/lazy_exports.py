"""Lazy re-exports for a package's __init__ (PEP 562), so that `import ecgprint` and `import vizecg` stay cheap
and load numpy, OpenCV, pandas, pyarrow or torch only when a re-exported name is first used."""

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from types import ModuleType


class _Package(ModuleType):
    """A package whose public names stay bound to their objects: importing a submodule of the same name
    (`ecgprint.render`) would otherwise rebind the package attribute to that module."""

    def __setattr__(self, name: str, value: object) -> None:
        if not (isinstance(value, ModuleType) and name in getattr(self, "__all__", ())):
            super().__setattr__(name, value)


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], object], Callable[[], list]]:
    """(__getattr__, __dir__) for the __init__ of `package` (whose __all__ lists `exports`, name -> defining
    module): each name is imported on first access, then kept as a module attribute."""
    module = sys.modules[package]
    module.__class__ = _Package

    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(exports[name]), name)
        vars(module)[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(module), *exports})

    return __getattr__, __dir__
