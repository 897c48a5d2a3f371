"""Training lever: entrepreneurship camps raise the skill of the founders they reach.

Mechanism: each month up to ``places_per_year / 12`` newly arrived founders (young graduates
only, if so set) are trained, which adds ``skill_gain`` to their firm's log productivity, making
them likelier to register and their firms likelier to survive and grow (002:25, 001:51).
"""

from __future__ import annotations

import numpy as np

from sim.core.context import Context
from sim.core.population import YOUNG_GRADUATE
from sim.policy.base import Programme


class TrainingProgramme(Programme):
    """Training camps (Yangpu 002:25; Putuo 001:51)."""

    name = "training"

    def __init__(self, ctx: Context, settings) -> None:
        super().__init__(ctx, settings)
        self.places_per_month = settings.places_per_year * ctx.scale / 12.0
        self._carry = 0.0

    def on_arrival(self, new: np.ndarray) -> None:
        """Train this month's eligible newcomers, in arrival order, up to places and budget."""
        new_idx = new
        if not self.enabled or new_idx.size == 0:
            return
        pop = self.firms
        eligible = new_idx[pop.takes_up_support(new_idx)]
        if self.settings.graduates_only:
            eligible = eligible[pop.founder_type[eligible] == YOUNG_GRADUATE]
        self._carry += self.places_per_month
        places = int(self._carry)
        self._carry -= places
        chosen = eligible[:places]
        # the cost is paid to the training provider, booked as the founder's support
        paid = self.pay_first_come(chosen, np.full(chosen.size, self.settings.cost_per_trainee_yuan), to_cash=False)
        trained = chosen[paid > 0] if self.settings.cost_per_trainee_yuan > 0 else chosen
        pop.train(trained, self.ctx.clock.month, self.settings.skill_gain)
