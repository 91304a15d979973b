"""ecgprint: 12-lead ECG signals -> realistic printed-paper ECG images with exact ground truth.

The public API is imported on first use (see ecgprint.lazy_exports): the CLI reads `__version__` on every
command. `ecgprint.render` is the function; import its module's other names with `from ecgprint.render import`.
"""

from importlib.metadata import PackageNotFoundError, version

from ecgprint.lazy_exports import lazy_exports

try:
    __version__ = version("ecgprint")
except PackageNotFoundError:   # running from a source checkout that is not installed
    __version__ = "0.1.0"

_EXPORTS = {   # public name -> the module defining it
    "Record": "ecgprint.record",
    "open_source": "ecgprint.sources",
    "render": "ecgprint.render",
    "RenderConfig": "ecgprint.render",
    "build": "ecgprint.dataset.build",
    "load_recipe": "ecgprint.dataset.recipe",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
