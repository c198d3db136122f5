"""Project wiring: pins kept in step, the contract document kept in step with the
code, the README's two commands, and the independent headline check."""

from __future__ import annotations

import re
import tomllib

import yaml

from helpers.core.paths import project_root
from helpers.data.contract import MEASURES

ROOT = project_root()


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[_norm(name)] = version.strip()
    return pins


def test_environment_yml_matches_constraints_and_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = pyproject["project"]["optional-dependencies"]
    wanted = pyproject["project"]["dependencies"] + extras["dev"] + extras["cluster"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    env_pins = {_norm(s.split("==")[0]): s.split("==")[1] for s in pip_section if "==" in s}
    pins = _constraints()
    wanted = [re.split(r"[<>=!~;\s]", name)[0] for name in wanted]  # "jsonschema<4.24" → jsonschema
    for name in wanted:
        key = _norm(name)
        assert key in pins, f"{name} is not pinned in constraints.txt"
        assert env_pins.get(key) == pins[key], f"{name}: environment.yml {env_pins.get(key)} != {pins[key]}"
    assert set(env_pins) == {_norm(n) for n in wanted}


def test_readme_commands_and_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make report" in readme and "make test" in readme
    assert "matplotlib-fontja" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_contract_document_lists_every_measure():
    text = (ROOT / "data" / "snapshots" / "README.md").read_text(encoding="utf-8")
    documented = {}
    for line in text.splitlines():
        m = re.match(r"\| `([a-z0-9_]+)` \| [^|]+ \| ([^|]+) \| (flow|stock|ytd) \|", line)
        if m:
            documented[m.group(1)] = (m.group(2).strip(), m.group(3))
    assert documented == {m.name: (m.unit, m.kind) for m in MEASURES.values()}


