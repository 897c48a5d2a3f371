"""Training lever: entrepreneurship camps raise the skill of the founders they reach.

Mechanism: each month up to ``places_per_year / 12`` newly arrived founders (young graduates
only, if so set) are trained, which adds ``skill_gain`` to their firm's log productivity, making
them likelier to register and their firms likelier to survive and grow (002:25, 001:51).
"""

from __future__ import annotations

import numpy as np

from sim.policy.base import Programme


class TrainingProgramme(Programme):
    """Training camps (Yangpu 002:25; Putuo 001:51)."""

    name = "training"

    def __init__(self, model, settings) -> None:
        super().__init__(model, settings.enabled, settings.annual_budget_yuan)
        self.settings = settings
        self.places_per_month = settings.places_per_year * model.scale / 12.0
        self._carry = 0.0

    def train(self, new_idx: np.ndarray) -> None:
        """Train this month's eligible newcomers, in arrival order, up to places and budget."""
        if not self.enabled or new_idx.size == 0:
            return
        pop = self.model.population
        eligible = new_idx[pop.takes_up_support(new_idx)]
        if self.settings.graduates_only:
            eligible = eligible[pop.founder_type[eligible] == 1]
        self._carry += self.places_per_month
        places = int(self._carry)
        self._carry -= places
        chosen = eligible[:places]
        paid = self.pay_first_come(chosen, np.full(chosen.size, self.settings.cost_per_trainee_yuan))
        trained = chosen[paid > 0] if self.settings.cost_per_trainee_yuan > 0 else chosen
        pop.trained[trained] = True
        pop.mark_supported(trained, self.model.clock.month)
        pop.log_boost[trained] += self.settings.skill_gain
