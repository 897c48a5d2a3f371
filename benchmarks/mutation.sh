#!/usr/bin/env bash
# Mutation testing of the programmes (sim/policy) and the firm rules, bank and shocks (sim/core/firms.py,
# bank.py, shocks.py) with mutmut 3.
#
# The mutants are run against the fast mechanism and programme tests only (configured under
# [tool.mutmut] in pyproject.toml; the property tests run a model per example and would make a run
# take hours). A full run (about 1,600 mutants) takes 20-35 minutes on two shared cores, so it is
# not part of .ci/run. It runs at low priority (nice) with one worker by default:
#
#     pip install -e ".[test,mutation]"
#     benchmarks/mutation.sh            # or MUTATION_WORKERS=2 benchmarks/mutation.sh
#
# Results: `mutmut results` lists surviving mutants, `mutmut show NAME` shows one; the score is
# printed at the end (killed / (killed + survived); timeouts count as killed). Work files go to
# mutants/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
workers="${MUTATION_WORKERS:-1}"
nice -n 19 mutmut run --max-children "$workers" || true
mutmut export-cicd-stats >/dev/null 2>&1 || true
python - <<'PY'
import json
from pathlib import Path

stats = Path("mutants/mutmut-cicd-stats.json")
if stats.exists():
    s = json.loads(stats.read_text())
    killed = s.get("killed", 0) + s.get("timeout", 0)
    survived = s.get("survived", 0)
    print(json.dumps(s, indent=1))
    if killed + survived:
        print(f"mutation score: {killed} of {killed + survived} mutants killed ({killed / (killed + survived):.1%})")
PY
