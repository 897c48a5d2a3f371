"""The package's import structure: no import loop, and imports point one way between layers.

Every ``import`` statement in ``sim/`` counts, wherever it stands (module level, inside a
function, or under ``if TYPE_CHECKING:``).

The direction chosen for the simulation core, from the bottom up::

    sim.calendar  <-  sim.scenario  <-  sim.core (firms, bank, shocks, context)
        <-  sim.policy (programme interface, registry, one module per lever)
        <-  sim.core.model (the composition root: builds the programmes from the registry)
        <-  sim.experiments, sim.io, sim.analysis, sim.present, sim.cli

So the programmes depend on the firm view and the bank's ``LoanTerms`` interface in ``sim.core``
and on their tables in ``sim.scenario``; nothing in ``sim.core`` but the model imports
``sim.policy``; and nothing in ``sim.policy`` or ``sim.core`` (model included) imports the layers
above it. The scenario layer, the lowest of the data flow, imports only itself and the calendar
(:data:`SCENARIO_MAY_IMPORT`, checked as a whitelist). Institutions read the model
only through their context: no ``.model`` attribute is used in ``sim/policy`` or in the bank.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
COMPOSITION_ROOT = "sim.core.model"
UPPER = ("sim.experiments", "sim.io", "sim.analysis", "sim.present", "sim.cli")
SCENARIO_MAY_IMPORT = ("sim.calendar", "sim.scenario")
"""The scenario layer is the lowest of the data flow (scenario file -> validated parameters -> model run
-> tables -> batch store -> comparisons -> figures/report): below it only the calendar."""


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(name: str, modules: set[str]) -> str | None:
    """The module of ``sim`` that an imported name refers to (a module or a name in one)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in SIM.rglob("*.py")}
    modules = set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in node.names)
        resolved = {resolve(t, modules) for t in targets if t.startswith("sim")}
        # importing sim.a.b also runs the package sim.a; packages' __init__ files are empty here
        graph[name] = {t for t in resolved if t is not None and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def in_package(module: str, packages: tuple[str, ...] | str) -> bool:
    packages = (packages,) if isinstance(packages, str) else packages
    return any(module == p or module.startswith(p + ".") for p in packages)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_graph_sees_the_known_imports(graph):
    assert "sim.core.population" in graph["sim.core.model"]
    assert "sim.policy.registry" in graph["sim.core.model"]
    assert "sim.core.bank" in graph["sim.policy.loans"]


def test_find_cycle_detects_a_loop():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_loop(graph):
    assert find_cycle(graph) is None


def imports_outside(graph: dict[str, set[str]], package: str, allowed: tuple[str, ...]) -> dict[str, set[str]]:
    """The imports of ``package``'s modules that leave ``allowed``."""
    found: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if in_package(module, package):
            bad = {t for t in targets if not in_package(t, allowed)}
            if bad:
                found[module] = bad
    return found


def test_imports_outside_finds_an_upward_import():
    graph = {
        "sim.scenario.files": {"sim.scenario.schema", "sim.calendar", "sim.experiments.outcomes"},
        "sim.scenario.schema": {"sim.calendar"},
        "sim.experiments.outcomes": {"sim.scenario.outcomes"},
    }
    assert imports_outside(graph, "sim.scenario", SCENARIO_MAY_IMPORT) == {
        "sim.scenario.files": {"sim.experiments.outcomes"}
    }


def test_scenario_imports_nothing_above_it(graph):
    """No module of ``sim/scenario`` imports core, policy, experiments, io, analysis, present, ...

    Checked as a whitelist, so a new package above the scenario is covered without editing this test.
    """
    assert any(in_package(m, "sim.scenario") for m in graph)
    assert imports_outside(graph, "sim.scenario", SCENARIO_MAY_IMPORT) == {}


def test_core_imports_policy_only_in_the_composition_root(graph):
    for module, targets in graph.items():
        if in_package(module, "sim.core") and module != COMPOSITION_ROOT:
            bad = {t for t in targets if in_package(t, "sim.policy") or t == COMPOSITION_ROOT}
            assert not bad, (module, bad)


def test_policy_and_core_do_not_import_upper_layers_or_the_model(graph):
    for module, targets in graph.items():
        if in_package(module, ("sim.core", "sim.policy")):
            bad = {t for t in targets if in_package(t, UPPER)}
            if in_package(module, "sim.policy"):
                bad |= {t for t in targets if t == COMPOSITION_ROOT}
            assert not bad, (module, bad)


def test_institutions_do_not_reach_into_the_model():
    files = [*sorted((SIM / "policy").glob("*.py")), SIM / "core" / "bank.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "model":
                pytest.fail(f"{path.name}:{node.lineno} uses .model; use the context instead")


IO_MAY_IMPORT = ("sim.calendar", "sim.errors", "sim.scenario", "sim.core", "sim.io")
"""Input and output (tables, run directories, the batch store) sit below the experiments that run
batches and the analyses that read them: the writers work against :class:`sim.io.run_result.RunResult`."""


def test_io_imports_nothing_of_the_experiments_or_above(graph):
    assert any(in_package(m, "sim.io") for m in graph)
    assert imports_outside(graph, "sim.io", IO_MAY_IMPORT) == {}
