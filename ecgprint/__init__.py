"""ecgprint: 12-lead ECG signals -> realistic printed-paper ECG images with exact ground truth.

The public API and `__version__` are computed on first use (see ecgprint.lazy_exports), so importing any
ecgprint module stays cheap. `ecgprint.render` is the function; import its module's other names with
`from ecgprint.render import`.
"""

from ecgprint.lazy_exports import lazy_exports

_EXPORTS = {   # public name -> the module defining it
    "Record": "ecgprint.record",
    "open_source": "ecgprint.sources",
    "render": "ecgprint.render",
    "RenderConfig": "ecgprint.render",
    "build": "ecgprint.dataset.build",
    "load_recipe": "ecgprint.dataset.recipe",
}
__all__ = sorted(_EXPORTS)
_export, __dir__ = lazy_exports(__name__, _EXPORTS)


def __getattr__(name: str) -> object:
    """`__version__` from the package metadata (importlib.metadata costs ~50 ms), else a lazy public name."""
    if name != "__version__":
        return _export(name)
    from importlib.metadata import PackageNotFoundError, version
    try:
        value = version("ecgprint")
    except PackageNotFoundError:   # running from a source checkout that is not installed
        value = "0.1.0"
    globals()["__version__"] = value
    return value
