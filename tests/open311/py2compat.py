"""Loads the PyPI client `open311` 1.1 (written for Python 2) under Python 3 without touching its files.

What it needs: implicit relative imports (`from api import API`, `from object_dict import object_dict`),
`urllib2.urlopen` taking a str body, and ElementTree's `getchildren()` (gone in 3.9). The shim loads its
modules from the installed files under the names they import each other by, with a `urllib2` whose urlopen
encodes a str body, and an ElementTree whose elements still have getchildren(); then takes those names out
of sys.modules again, so nothing else sees them."""

from __future__ import annotations

import importlib.util
import sys
import types
import urllib.request
from pathlib import Path
from xml.etree import ElementTree as ET

SHIMMED = ("urllib2", "object_dict", "xml2dict", "xml2dict.xml2dict", "api", "api.api")


class _Element(ET.Element):
    def getchildren(self):
        return list(self)


def _fromstring(text):
    parser = ET.XMLParser(target=ET.TreeBuilder(element_factory=_Element))
    parser.feed(text)
    return parser.close()


def _urlopen(url, data=None):
    return urllib.request.urlopen(url, data.encode() if isinstance(data, str) else data)


def _load(name: str, path: Path, *, package: bool = False) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[str(path.parent)] if package else None
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_open311() -> type:
    """The client class `open311.Open311`, working under Python 3."""
    root = Path(importlib.util.find_spec("open311").submodule_search_locations[0])
    saved = {name: sys.modules.get(name) for name in SHIMMED}
    try:
        urllib2 = types.ModuleType("urllib2")
        urllib2.urlopen = _urlopen
        sys.modules["urllib2"] = urllib2
        _load("object_dict", root / "api/xml2dict/object_dict.py")
        xml2dict = _load("xml2dict", root / "api/xml2dict/__init__.py", package=True)
        sys.modules["xml2dict.xml2dict"].ET = types.SimpleNamespace(fromstring=_fromstring)
        impl = _load("api.api", root / "api/api.py")
        api = types.ModuleType("api")
        api.API, api.urlopen, api.urlencode, api.api = impl.API, impl.urlopen, impl.urlencode, impl
        sys.modules["api"] = api
        client = _load("open311_client_py2", root / "open311.py")
        assert xml2dict.xml2dict  # the function the client parses XML with
        return client.Open311
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
