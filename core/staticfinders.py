"""Static files that ship inside Python packages (plotly.js in the plotly package), served and collected
like the project's own under `vendor/`: installed from PyPI with everything else, never from a CDN."""

import importlib.util
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor"
# static path under vendor/ → (package, file inside the package)
FILES = {"plotly.min.js": ("plotly", "package_data/plotly.min.js")}


def _source(name: str) -> Path:
    package, inner = FILES[name]
    spec = importlib.util.find_spec(package)
    return Path(spec.origin).parent / inner


class PackageFileFinder(BaseFinder):
    def check(self, **kwargs) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        prefix, _, name = path.partition("/")
        if prefix != PREFIX or name not in FILES:
            return [] if find_all or kwargs.get("all") else None
        found = str(_source(name))
        return [found] if find_all or kwargs.get("all") else found

    def list(self, ignore_patterns):
        for name in FILES:
            source = _source(name)
            storage = FileSystemStorage(location=str(source.parent))
            storage.prefix = PREFIX
            yield source.name, storage
