"""README is a contract: its examples run, its commands exist, every option is documented."""

from __future__ import annotations

import doctest
import re

import pytest

from dedup.cli import main

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_fresh_machine_commands():
    commands = re.findall(r"^    (\S.*)$", README.split("\n\n", 2)[1], flags=re.M)
    assert commands == ["pip install . && dedup provenance seeds/", "pip install '.[test]' && python -m pytest -q"]


def test_readme_python_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(README, {}, "README.md", str(ROOT / "README.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_and_option_has_help_and_is_in_readme(name):
    command = main.commands[name]
    assert command.help and f"dedup {name}" in README
    for param in command.params:
        if param.param_type_name == "option":
            assert param.help, f"{name} {param.opts} has no help"
            assert any(opt in README for opt in param.opts), f"{name} {param.opts} missing from README"
