"""Build hook: compile the translation catalogs (locales/*.po) into the package as .mo files."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """build_py that also writes bot/locale/<lang>/LC_MESSAGES/messages.mo."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(__file__).resolve().parent
        for po_path in sorted((root / "locales").glob("*/LC_MESSAGES/messages.po")):
            locale = po_path.parent.parent.name
            with po_path.open("rb") as fp:
                catalog = read_po(fp, locale=locale)
            target = Path(self.build_lib, "bot", "locale", locale, "LC_MESSAGES", "messages.mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fp:
                write_mo(fp, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogs})
