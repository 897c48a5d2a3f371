"""Reference: the same firm rules as a per-agent Mesa model, timed against ours in one process.

``PerAgentEcosystem`` is :class:`sim.core.model.StartupEcosystem` with the firm-month done the
usual Mesa way: every registered firm is a ``mesa.Agent`` (``FirmAgent``) holding its own state
as Python numbers, and each month ``model.agents_by_type[FirmAgent].do("step")`` runs, per firm,
the same rules as the vectorised kernel (:class:`sim.core.firms.FirmPopulation`): productivity
(a permanent level with size-dependent drift reverting to the level at entry, plus a transitory
AR(1) deviation), revenue (productivity x ramp-up x sector demand x staff^returns-to-scale x
noise), wages, social insurance, rent and fixed costs, loan interest and instalments, exit (out
of cash; on poor forecast prospects after a run of losses; or for reasons other than profit) with
the loan settled or written off, hiring and shedding towards the planned size (capped for
founders who are not growth-oriented) as far as cash allows, and the high-tech count. Arrivals,
registration (with the month's registration shock) and bank lending stay as in our model, so both
see the same founders; firm agents read the same monthly random numbers (by slot), so the two
runs should agree to rounding, not just within noise.

The scenario must have every programme off (``scenarios/putuo/no_policy.toml``, the default):
the per-agent reference implements the firm rules, not the programmes.

Usage:
    python benchmarks/bench_reference.py [--scale 16] [--months N] [--seed 0]

Both models do all their work in one thread unless ``--lookahead`` lets ours compute next month's
shocks and arrivals in a second one (:mod:`sim.core.lookahead`: less wall time, a little more CPU).
``--months N`` times only the first N months of both models and extrapolates each to the full
period by firm-months (the per-agent model's cost is proportional to firm-months); without it
both run the whole period; a whole run times each model's months and its firm table and metrics (ours:
``simulate()``; the per-agent model: writing its agents back and the same metrics code). Prints both
times, the ratio and the headline metrics side by side
(a full run only), and exits 1 if a metric differs by more than the agreement tolerance.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import mesa
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.core.context import Clock  # noqa: E402
from sim.core.dealings import PAID_OFF_YUAN  # noqa: E402
from sim.core.firm_shocks import HIRE_ROW  # noqa: E402
from sim.core.firms import (  # noqa: E402
    DRIFT_REFERENCE_STAFF,
    MIN_NET_COST_YUAN,
    NUMERICAL_MAX_STAFF,
    SHOCK_ROWS,
)
from sim.core.model import StartupEcosystem  # noqa: E402
from sim.core.population import EXIT_CASH_OUT, EXIT_NON_ECONOMIC, EXIT_VOLUNTARY, NOT_SET, TECH  # noqa: E402
from sim.experiments.metrics import headline_metrics  # noqa: E402
from sim.experiments.simulate import simulate  # noqa: E402
from sim.scenario.files import load_scenario  # noqa: E402

COMPARED = ("firms_started", "survival_1y", "survival_3y", "jobs_created", "loan_default_rate")
RELATIVE_TOLERANCE = 0.01
"""Agreement check: 1% relative (the per-agent model uses Python floats, whose ``**`` and ``exp``
can differ from numpy's in the last bit, and a flipped rounding changes a staff count; seed-to-seed
noise of these metrics is several times larger)."""


class FirmAgent(mesa.Agent):
    """One registered firm with its own state and monthly behaviour."""

    def __init__(self, model: PerAgentEcosystem, slot: int) -> None:
        super().__init__(model)
        pop = model.population
        self.slot = slot
        self.sector = int(pop.sector[slot])
        self.start_month = int(pop.start_month[slot])
        self.growth_oriented = bool(pop.growth_oriented[slot])
        self.log_quality = float(pop.log_quality[slot])
        self.log_quality_permanent = float(pop.log_quality_permanent[slot])
        self.log_quality_entry = float(pop.log_quality_entry[slot])
        self.log_boost = float(pop.log_boost[slot])
        self.employees = int(pop.employees[slot])
        self.peak_employees = int(pop.peak_employees[slot])
        self.cash = float(pop.cash[slot])
        self.loss_months = int(pop.loss_months[slot])
        self.last_profit = 0.0
        self.loan_balance = float(pop.loan_balance[slot])
        self.loan_rate = float(pop.loan_rate[slot])
        self.loan_instalment = float(pop.loan_instalment[slot])
        self.high_tech = pop.high_tech_month[slot] != NOT_SET

    def planned_staff(self, productivity: float) -> float:
        """Staff the firm plans for at ``productivity`` (no public support: net cost = gross cost)."""
        c = self.model.constants
        gross = c["gross_cost"]
        net = max(gross, MIN_NET_COST_YUAN)
        try:
            market = (c["beta"] * productivity / gross) ** c["inverse_one_minus_beta"]
        except OverflowError:
            market = math.inf
        planned = min(market * (net / gross) ** c["elasticity"], NUMERICAL_MAX_STAFF)
        return planned if self.growth_oriented else min(planned, c["lifestyle_max_staff"])

    def step(self) -> None:
        """One month of ``FirmPopulation.open_account``, the bank's loan service,
        ``close_account``, ``leaving`` (and the bank's write-off and ``close``), ``hire_and_shed``
        and ``mark_high_tech`` for this firm, without programmes."""
        m = self.model
        c = m.constants
        i = self.slot
        month = m.clock.month
        draws = m.draws
        # productivity: permanent level (drift shrinking with size) and transitory deviation
        staff = float(self.employees)
        drift_sd = c["drift_sd"] * (max(staff, 1.0) / DRIFT_REFERENCE_STAFF) ** c["minus_drift_exponent"]
        entry = self.log_quality_entry
        permanent = entry + c["rho_permanent"] * (self.log_quality_permanent - entry) + drift_sd * draws[2, i]
        deviation = c["rho"] * (self.log_quality - self.log_quality_permanent)
        self.log_quality = permanent + deviation + c["walk_sd"] * draws[0, i]
        self.log_quality_permanent = permanent
        noise = math.exp(c["noise_sd"] * draws[1, i] - c["half_noise_var"])
        age = month - self.start_month
        ramp = 1.0 - c["ramp_gap"] * math.exp(-age / c["ramp_months"])
        factor = c["revenue_scale"] * math.exp(self.log_quality + self.log_boost) * ramp
        demand = m.demand_now[self.sector]
        revenue = factor * demand * staff ** c["beta"] * noise
        wages = staff * c["wage"] * c["insurance_factor"]
        rent = staff * c["rent"]
        interest = principal = 0.0
        if self.loan_balance > 0:
            interest = self.loan_balance * self.loan_rate / 12.0
            principal = min(self.loan_instalment, self.loan_balance)
            self.loan_balance -= principal
            if self.loan_balance <= PAID_OFF_YUAN:
                self.loan_balance = 0.0
        profit = revenue - wages - rent - c["fixed"] - interest
        self.cash += profit - principal
        self.last_profit = profit
        self.loss_months = self.loss_months + 1 if profit < 0 else 0

        # exit: out of cash, poor prospects after a run of losses, or not for profit
        cash_out = self.cash < 0
        planning = 1.0 - c["pass_through"] * (1.0 - demand)
        if not cash_out and self.loss_months >= c["exit_loss_months"]:
            forecast = factor * math.exp(c["decay_minus_one"] * (self.log_quality - self.log_quality_permanent))
            size = max(self.planned_staff(forecast * planning), 1.0)
            gross = c["gross_cost"]
            expected = forecast * planning * size ** c["beta"] - max(gross, MIN_NET_COST_YUAN) * size - c["fixed"]
            if expected < 0:
                self.close()
                return
        if cash_out or draws[3, i] < c["non_economic_quantile"]:
            self.close()
            return

        # hiring and shedding towards the planned size, as far as cash allows
        gross = c["gross_cost"]
        gap = self.planned_staff(factor * planning) - staff
        u = m.hire_u[i]
        hires = math.floor(c["hire_share"] * max(gap, 0.0) + u)
        affordable = math.floor((self.cash / c["cash_buffer"] - c["fixed"]) / gross) - staff
        hires = max(min(hires, affordable), 0.0)
        sheds = math.floor(c["shed_share"] * max(-gap, 0.0) + u)
        if self.last_profit < 0 and self.cash < gross * staff + c["fixed"]:
            sheds = max(sheds, math.floor(c["shed_share"] * (staff - 1.0) + u))
        sheds = min(sheds, staff - 1.0)
        self.employees += int(hires) if hires > 0 else -int(max(sheds, 0.0))
        self.peak_employees = max(self.peak_employees, self.employees)
        if (
            not self.high_tech
            and self.sector == TECH
            and self.employees >= c["high_tech_staff"]
            and self.log_quality + self.log_boost >= c["high_tech_log_productivity"]
        ):
            self.high_tech = True
            m.population.high_tech_month[i] = month
            m.high_tech_by_year[m.clock.year] = m.high_tech_by_year.get(m.clock.year, 0) + 1

    def close(self) -> None:
        """Exit: repay what the cash allows, default on the rest, record why, write the firm back."""
        m = self.model
        pop = m.population
        i = self.slot
        if self.loan_balance > 0:
            settled = min(max(self.cash, 0.0), self.loan_balance)
            self.loan_balance -= settled
            self.cash -= settled
            if self.loan_balance <= PAID_OFF_YUAN:
                self.loan_balance = 0.0
            else:
                pop.loan_defaulted[i] = True
                self.loan_balance = 0.0
        if self.cash < 0:
            reason = EXIT_CASH_OUT
        elif self.loss_months >= m.constants["exit_loss_months"]:
            reason = EXIT_VOLUNTARY
        else:
            reason = EXIT_NON_ECONOMIC
        pop.exit_reason[i] = reason
        pop.exit_month[i] = m.clock.month
        pop.alive[i] = False
        self.write_back()
        m.closing.append(self)

    def write_back(self) -> None:
        """Copy this firm's state into the population arrays (for the firm table)."""
        pop = self.model.population
        i = self.slot
        pop.employees[i] = self.employees
        pop.peak_employees[i] = self.peak_employees
        pop.cash[i] = self.cash
        pop.log_quality[i] = self.log_quality
        pop.log_quality_permanent[i] = self.log_quality_permanent
        pop.loan_balance[i] = self.loan_balance
        pop.loss_months[i] = self.loss_months


class PerAgentEcosystem(StartupEcosystem):
    """Our model with the firm-month done by ``FirmAgent`` objects, one per firm."""

    def __init__(self, scenario, seed=0, scale: float = 1.0) -> None:
        super().__init__(scenario, seed=seed, scale=scale)
        if any(p.enabled for p in self.programmes):
            raise SystemExit("bench_reference: the per-agent reference needs a scenario with every programme off")
        b = scenario.behaviour
        pop = self.population
        rho = pop.monthly_persistence()
        self.constants = {
            "walk_sd": b.productivity_walk_sd,
            "drift_sd": b.permanent_drift_sd,
            "minus_drift_exponent": -b.drift_size_exponent,
            "rho": rho,
            "rho_permanent": b.permanent_persistence_annual ** (1.0 / 12.0),
            "decay_minus_one": rho**b.exit_forecast_months - 1.0,
            "noise_sd": b.revenue_noise_sd,
            "half_noise_var": 0.5 * b.revenue_noise_sd**2,
            "ramp_gap": 1.0 - b.ramp_start_share,
            "ramp_months": b.ramp_up_months,
            "revenue_scale": pop.revenue_scale(),
            "beta": b.returns_to_scale,
            "inverse_one_minus_beta": 1.0 / (1.0 - b.returns_to_scale),
            "elasticity": b.labour_demand_elasticity,
            "lifestyle_max_staff": b.lifestyle_max_staff,
            "wage": b.wage_yuan_month,
            "insurance_factor": 1 + b.social_insurance_rate,
            "rent": b.rent_yuan_per_workstation_month,
            "fixed": b.fixed_cost_yuan_month,
            "gross_cost": pop.cost_per_person_yuan(),
            "exit_loss_months": b.voluntary_exit_loss_months,
            "non_economic_quantile": pop.non_economic_exit_quantile(),
            "pass_through": b.staffing_shock_pass_through,
            "hire_share": b.hiring_adjustment_share,
            "shed_share": b.shedding_adjustment_share,
            "cash_buffer": max(b.hiring_cash_buffer_months, 1e-9),
            "high_tech_staff": scenario.measurement.high_tech_min_employees,
            "high_tech_log_productivity": scenario.measurement.high_tech_min_log_productivity,
        }
        self.closing: list[FirmAgent] = []

    def step(self) -> None:
        """One month: arrivals, registration and lending as in our model, then every firm agent steps."""
        t = len(self.records)
        self.clock = Clock(month=self.first_month + t, t=t, relief_months_since_start=int(self.relief[t]))
        self.context.clock = self.clock
        for agent in self.programmes:
            agent.start_month()
        self.bank.start_month()
        new = self._arrive()
        born = self.population.register(new, np.zeros(new.size), self.clock.month, entry_factor=float(self.entry[t]))
        self.bank.lend_to_new_firms(born)
        for slot in born.tolist():
            FirmAgent(self, slot)
        pop = self.population
        # the same numbers as StartupEcosystem._monthly_draws (a function of slot and month), by slot
        alive = np.flatnonzero(pop.alive[: pop.n])
        live_draws = self._monthly_draws(alive)
        self.draws = np.zeros((SHOCK_ROWS, pop.n))
        self.draws[:, alive] = live_draws[:SHOCK_ROWS]
        self.hire_u = np.zeros(pop.n)
        self.hire_u[alive] = live_draws[HIRE_ROW]
        self.demand_now = self.demand[t].tolist()
        self.closing = []
        firms = self.agents_by_type[FirmAgent]
        firms.do("step")
        for agent in self.closing:
            agent.remove()
        self.records.append(
            {"active_firms": len(firms), "jobs": sum(firms.get("employees")), "births": born.size}
        )
        if t + 1 >= self.n_months:
            self.running = False

    def finish(self) -> None:
        """Write every live firm's state back to the arrays (for the firm table)."""
        for agent in self.agents_by_type[FirmAgent]:
            agent.write_back()


def reference_metrics(model: PerAgentEcosystem) -> dict[str, float]:
    """Headline metrics of the per-agent run, computed by the same code as ours."""
    import pandas as pd

    model.finish()
    firms = model.population.firm_table(model.month_labels, model.first_month)
    monthly = pd.DataFrame(model.records)
    for column in ("loans_disbursed", "spend_total_yuan"):
        monthly[column] = 0.0
    return headline_metrics(
        firms, monthly, incubation_bases=0, grants_awarded={"innovation": 0, "technology": 0},
        award_rounds=0, high_tech_firms=int(sum(model.high_tech_by_year.values())), n_years=model.n_months / 12.0,
    )


def timed_months(model: StartupEcosystem, months: int) -> tuple[float, float, int]:
    """Step ``months`` months; returns wall seconds, CPU seconds and firm-months simulated."""
    firm_months = 0
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(months):
        model.step()
        firm_months += int(model.records[-1]["active_firms"])
    return time.perf_counter() - start, time.process_time() - cpu, firm_months


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "putuo" / "no_policy.toml"))
    parser.add_argument("--scale", type=float, default=16.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--months", type=int, default=None, help="time only the first N months and extrapolate")
    parser.add_argument("--lookahead", action="store_true",
                        help="let our model compute next month's shocks and arrivals in a second thread (off: "
                             "both models do all their work in one thread, so CPU times compare the rules)")
    args = parser.parse_args()
    from sim.experiments.resources import machine_description

    print(f"machine: {machine_description()}")
    from sim.core.lookahead import LOOKAHEAD

    LOOKAHEAD.enabled = args.lookahead
    scenario = load_scenario(args.scenario)
    n_months = scenario.period.n_months
    months = min(args.months or n_months, n_months)
    print(f"scenario {scenario.name}, scale {args.scale:g}, seed {args.seed}, "
          f"{'all' if months == n_months else months} of {n_months} months")

    if months == n_months:
        start, cpu = time.perf_counter(), time.process_time()
        ours_result = simulate(scenario, seed=args.seed, scale=args.scale)
        ours_s, ours_cpu = time.perf_counter() - start, time.process_time() - cpu
        ours_fm = int(ours_result.monthly["active_firms"].sum())
        reference = PerAgentEcosystem(scenario, seed=args.seed, scale=args.scale)
        ref_s, ref_cpu, ref_fm = timed_months(reference, months)
        start, cpu = time.perf_counter(), time.process_time()
        ref_metrics = reference_metrics(reference)
        ref_s, ref_cpu = ref_s + time.perf_counter() - start, ref_cpu + time.process_time() - cpu
        ours_note = "simulate(), tables and metrics included"
        ref_note = "its firm table and metrics included"
    else:
        ours = StartupEcosystem(scenario, seed=args.seed, scale=args.scale)
        ours_s, ours_cpu, ours_fm = timed_months(ours, months)
        reference = PerAgentEcosystem(scenario, seed=args.seed, scale=args.scale)
        ref_s, ref_cpu, ref_fm = timed_months(reference, months)
        full_fm = int(simulate(scenario, seed=args.seed, scale=args.scale).monthly["active_firms"].sum())
        ours_s, ref_s = ours_s * full_fm / ours_fm, ref_s * full_fm / ref_fm
        ours_cpu, ref_cpu = ours_cpu * full_fm / ours_fm, ref_cpu * full_fm / ref_fm
        ours_fm = ref_fm = full_fm
        ours_note = ref_note = f"extrapolated from {months} months by firm-months"
    print(f"firm-months            {ours_fm:>14,} (ours) {ref_fm:>14,} (per-agent)")
    print(f"ours (vectorised)      {ours_s:10.2f} s   {ours_cpu:8.2f} s CPU   ({ours_note})")
    print(f"per-agent Mesa         {ref_s:10.2f} s   {ref_cpu:8.2f} s CPU   ({ref_note}; "
          f"{ref_fm / ref_s:,.0f} firm-months/s)")
    print(f"speed-up               {ref_s / ours_s:10.1f}x  {ref_cpu / ours_cpu:8.1f}x CPU  "
          "(goal: at least 20x at 16x; the CPU ratio depends less on other load of the machine)")
    if months != n_months:
        return 0
    ok = True
    print(f"{'metric':<22} {'ours':>14} {'per-agent':>14}")
    for name in COMPARED:
        a, b = float(ours_result.metrics[name]), float(ref_metrics[name])
        agree = math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9)
        ok &= agree
        print(f"{name:<22} {a:>14,.4f} {b:>14,.4f} {'' if agree else '  DIFFERS'}")
    print("agreement: " + ("yes (within 1%)" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    np.seterr(over="ignore")
    sys.exit(main())
