"""ecgprint: 12-lead ECG signals -> realistic printed-paper ECG images with exact ground truth."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ecgprint")
except PackageNotFoundError:   # running from a source checkout that is not installed
    __version__ = "0.1.0"
