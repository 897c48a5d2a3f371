#!/usr/bin/env bash
# Mutation testing of the programmes (sim/policy) and the firm rules, bank and shocks (sim/core/firms.py,
# bank.py, shocks.py) with mutmut 3.
#
# The mutants are run against the fast tests of the model's rules only (configured under [tool.mutmut]
# in pyproject.toml: hand-made populations with a standalone context; the tests that run whole models
# and the property tests would make a run take hours). A full run (about 2,600 mutants) takes 15-30
# minutes on two shared cores, so it is not part of .ci/run. It runs at low priority (nice) with one
# worker by default:
#
#     pip install -e ".[test,mutation]"
#     benchmarks/mutation.sh            # or MUTATION_WORKERS=2 benchmarks/mutation.sh
#
# Results: `mutmut results` lists surviving mutants, `mutmut show NAME` shows one. The score is printed
# at the end: killed / all, and killed / non-equivalent, where benchmarks/mutation_survivors.tsv
# classifies the known survivors (E equivalent, P equivalent in the model: a tie of continuous random
# draws, R differs only below one yuan or outside the parameter's range, A alive: not equivalent, not
# killed). Timeouts count as killed. Survivors missing from the table are listed: classify them there
# (or kill them with a test). Work files go to mutants/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
workers="${MUTATION_WORKERS:-1}"
nice -n 19 mutmut run --max-children "$workers" || true
mutmut results 2>/dev/null | sed -n 's/^ *\(.*\): survived$/\1/p' > mutants/survivors.txt || true
mutmut export-cicd-stats >/dev/null 2>&1 || true
python - <<'PY'
import csv
import json
from pathlib import Path

stats = Path("mutants/mutmut-cicd-stats.json")
if stats.exists():
    s = json.loads(stats.read_text())
    killed = s.get("killed", 0) + s.get("timeout", 0)
    survived = s.get("survived", 0)
    print(json.dumps(s, indent=1))
    with open("benchmarks/mutation_survivors.tsv", newline="", encoding="utf-8") as f:
        classes = {row["mutant"]: row["class"] for row in csv.DictReader(f, delimiter="\t")}
    alive = Path("mutants/survivors.txt").read_text(encoding="utf-8").split()
    equivalent = sum(classes.get(m) in ("E", "P", "R") for m in alive)
    unclassified = [m for m in alive if m not in classes]
    if killed + survived:
        print(f"mutation score: {killed} of {killed + survived} mutants killed ({killed / (killed + survived):.1%})")
        print(f"equivalent (E, P, R): {equivalent}; killed / non-equivalent: {killed} of "
              f"{killed + survived - equivalent} ({killed / (killed + survived - equivalent):.1%})")
    for m in unclassified:
        print("unclassified survivor:", m)
PY
