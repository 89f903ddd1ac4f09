"""The CLV models (service/btyd.py): likelihoods worked out by hand, exact derivatives against
finite differences, parameters recovered from simulated customers, and the batched Newton fit of
many merchants equal to fitting each alone and never worse than SciPy's L-BFGS-B."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from digiplus.insight.service import btyd, clv

TRUE_BG = {"r": 0.6, "alpha": 12.0, "a": 1.6, "b": 5.0}


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, seed: int) -> tuple[np.ndarray, ...]:
    """BG/NBD customers: first purchase at 0, Poisson purchases at rate λ ~ Gamma(r, α), dropping
    out after each repeat purchase with probability p ~ Beta(a, b); observed for T days."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.integers(60, 366, n).astype(np.float64)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T[i]:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < p[i]:
                break
    return x, np.floor(t_x), T


def test_likelihoods_worked_by_hand() -> None:
    params = np.log([2.0, 3.0, 2.0, 3.0])  # r, α, a, b
    # x = 0: r·log(α / (α + T)) = 2·log(3/8)
    ll, _ = btyd.bgnbd_log_likelihood(params, np.array([0.0]), np.array([0.0]), np.array([5.0]))
    assert ll == pytest.approx(2 * math.log(3 / 8), rel=1e-12)
    # x = 1, t_x = 2, T = 5: B(2,4)/B(2,3) · Γ(3)/Γ(2) · 3² · (8⁻³ + 2/3 · 5⁻³) = 0.6 · 2 · 9 · … = 0.07869375
    ll, _ = btyd.bgnbd_log_likelihood(params, np.array([1.0]), np.array([2.0]), np.array([5.0]))
    assert ll == pytest.approx(math.log(0.07869375), rel=1e-12)
    # Gamma-Gamma, x = 2, mean 10, p = 1, q = 3, v = 20: Γ(5)/(Γ(2)Γ(3)) · 20³ · 10 · 2² / 40⁵ = 0.0375
    ll, _ = btyd.gamma_gamma_log_likelihood(np.log([1.0, 3.0, 20.0]), np.array([2.0]), np.array([10.0]))
    assert ll == pytest.approx(math.log(0.0375), rel=1e-12)


def test_predictions_worked_by_hand() -> None:
    m = btyd.BgNbd(r=2.0, alpha=3.0, a=2.0, b=3.0, log_likelihood=0.0, converged=True)
    # odds of having dropped out = a/(b + x − 1) · ((α + T)/(α + t_x))^(r + x) = 2/3 · 1.6³
    alive = btyd.probability_alive(m, np.array([1.0, 0.0]), np.array([2.0, 0.0]), np.array([5.0, 5.0]))
    assert alive.tolist() == pytest.approx([1 / (1 + 2 / 3 * 1.6**3), 1.0], rel=1e-12)
    gg = btyd.GammaGamma(p=1.0, q=3.0, v=20.0, log_likelihood=0.0, converged=True)
    # population mean p·v/(q − 1) = 10; weight of the customer's own mean px/(px + q − 1) = 2/4
    value = btyd.expected_average_value(gg, np.array([2.0, 0.0]), np.array([30.0, 0.0]))
    assert value.tolist() == pytest.approx([20.0, 10.0], rel=1e-12)


@pytest.mark.parametrize("model", ["bgnbd", "gamma_gamma"])
def test_gradient_and_hessian_match_finite_differences(model: str) -> None:
    rng = np.random.default_rng(3)
    n = 400
    x = rng.integers(0, 9, n).astype(np.float64)
    T = rng.integers(10, 365, n).astype(np.float64)
    t_x = np.where(x > 0, np.floor(rng.random(n) * T), 0.0)
    if model == "bgnbd":
        terms, c = btyd._bgnbd_terms, btyd._Customers.of(btyd.Groups.one(n), x, t_x, T)
        at = np.log([0.7, 30.0, 1.5, 2.3])
    else:
        terms, c = btyd._gamma_gamma_terms, btyd._mean_values(btyd.Groups.one(n), x + 1, rng.lognormal(5, 0.5, n))
        at = np.log([2.0, 3.0, 100.0])
    _, grad, hess = btyd._objective(terms, at[None, :], c, 2)
    eps = 1e-6
    for i, e in enumerate(np.eye(len(at))):
        up, _, _ = btyd._objective(terms, (at + eps * e)[None, :], c, 2)
        down, _, _ = btyd._objective(terms, (at - eps * e)[None, :], c, 2)
        assert grad[0, i] == pytest.approx((up[0] - down[0]) / (2 * eps), abs=1e-7)
        _, g_up, _ = btyd._objective(terms, (at + eps * e)[None, :], c, 1)
        _, g_down, _ = btyd._objective(terms, (at - eps * e)[None, :], c, 1)
        assert hess[0, i] == pytest.approx((g_up[0] - g_down[0]) / (2 * eps), abs=1e-6)


def test_parameters_recovered_from_simulated_customers() -> None:
    x, t_x, T = simulate_bgnbd(20_000, seed=1, **TRUE_BG)
    fit = btyd.fit_bgnbd(x, t_x, T)
    assert fit.converged
    for name, true in TRUE_BG.items():
        assert getattr(fit, name) == pytest.approx(true, rel=0.15), name
    rng = np.random.default_rng(2)
    p, q, v = 4.0, 3.0, 50.0
    repeats = rng.integers(1, 10, 5_000).astype(np.float64)
    nu = rng.gamma(q, 1 / v, len(repeats))  # each customer's own rate of the Gamma of their purchase values
    means = rng.gamma(p * repeats, 1 / (nu * repeats))  # the mean of x Gamma(p, ν) purchases
    gg = btyd.fit_gamma_gamma(repeats, means)
    assert gg.converged
    assert (gg.p, gg.q, gg.v) == pytest.approx((p, q, v), rel=0.15)
    assert gg.population_mean == pytest.approx(p * v / (q - 1), rel=0.05)


def _groups_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    parts = [
        simulate_bgnbd(n, r, alpha, a, b, seed)
        for n, (r, alpha, a, b), seed in (
            (600, (0.6, 12.0, 1.6, 5.0), 4),
            (300, (0.2, 4.0, 3.0, 3.0), 5),
            (900, (1.5, 40.0, 1.2, 9.0), 6),
            (150, (0.4, 8.0, 5.0, 2.0), 7),
        )
    ]
    group = np.concatenate([np.full(len(p[0]), g) for g, p in enumerate(parts)])
    x, t_x, T = (np.concatenate([p[i] for p in parts]) for i in range(3))
    return group, x, t_x, T


def test_many_groups_fit_together_as_each_alone() -> None:
    group, x, t_x, T = _groups_data()
    together = btyd.fit_bgnbd_groups(btyd.Groups.of_sorted(group), x, t_x, T)
    assert together.converged.all()
    for g in range(4):
        mine = group == g
        alone = btyd.fit_bgnbd(x[mine], t_x[mine], T[mine])
        got = together.group(g)
        assert (got.r, got.alpha, got.a, got.b) == pytest.approx((alone.r, alone.alpha, alone.a, alone.b), rel=1e-5)
        assert got.log_likelihood == pytest.approx(alone.log_likelihood, abs=1e-8)


def test_newton_reaches_at_least_the_likelihood_lbfgs_reaches() -> None:
    group, x, t_x, T = _groups_data()
    fits = btyd.fit_bgnbd_groups(btyd.Groups.of_sorted(group), x, t_x, T)
    bounds = [(np.log(1e-6), np.log(1e6))] * 2 + [(np.log(1.001), np.log(1e6)), (np.log(1e-6), np.log(1e6))]
    for g in range(4):
        mine = group == g

        def objective(params: np.ndarray, mine: np.ndarray = mine) -> tuple[float, np.ndarray]:
            ll, grad = btyd.bgnbd_log_likelihood(params, x[mine], t_x[mine], T[mine])
            return -ll, -grad

        start = np.array([0.0, np.log(T[mine].mean()), 0.5, 0.0])
        lbfgs = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds)
        assert fits.log_likelihood[g] >= -lbfgs.fun - 1e-6


def test_fit_merchants_skips_small_merchants_and_predicts_as_one_merchant_alone() -> None:
    group, x, t_x, T = _groups_data()
    merchant = np.array(["org_a", "org_b", "org_c", "org_d"])[group]
    few = merchant == "org_b"
    keep = ~few | (np.cumsum(few) <= 10)  # org_b keeps 10 customers: fewer than MIN_CUSTOMERS
    merchant, x, t_x, T = merchant[keep], x[keep], t_x[keep], T[keep]
    value = x * 250.0
    fits = clv.fit_merchants(merchant, x, t_x, T, value)
    assert fits.merchants.tolist() == ["org_a", "org_b", "org_c", "org_d"]
    assert fits.fitted.tolist() == [True, False, True, True]
    c = merchant == "org_c"
    alone = clv.fit_merchant(x[c], t_x[c], T[c], value[c])
    mine = fits.group == 1  # org_c is the second fitted merchant
    assert np.array_equal(fits.rows[mine], np.flatnonzero(c))
    for name, values in alone["predictions"].items():
        assert fits.predictions[name][mine] == pytest.approx(values, rel=1e-6), name
    assert fits.per_merchant_total("expected_value_12m")[1] == pytest.approx(
        alone["predictions"]["expected_value_12m"].sum(), rel=1e-6
    )
    assert clv.fit_merchant(x[:5], t_x[:5], T[:5], value[:5]) == {"fitted": False, "reason": clv.UNFITTED_REASON}
