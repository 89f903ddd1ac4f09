"""The two "buy till you die" models behind CLV, fitted by maximum likelihood (scipy), in NumPy:

- **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
  customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with
  probability p ~ Beta(a, b). From each customer's ``x`` (repeat purchases), ``t_x`` (time of the
  last one since the first) and ``T`` (time since the first purchase) it gives the probability a
  customer is still alive and the purchases expected in the next ``t``.
- **Gamma-Gamma** (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): the mean
  value of a customer's repeat purchases, shrunk towards the population's by how many there were.

Why our own implementation rather than ``lifetimes`` (unmaintained since 2020) or PyMC-Marketing
(a PyMC/PyTensor stack far heavier than a few likelihoods): docs/adr/0015-insight-analytics.md.
The log-likelihoods and their gradients are the papers' equations; parameters are fitted in log
space with L-BFGS-B, with ``a > 1`` and ``q > 1`` kept (the conditional expectations need them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

Array = NDArray[np.float64]
_LOW, _HIGH = np.log(1e-6), np.log(1e6)
_ABOVE_ONE = np.log(1.0 + 1e-3)


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    converged: bool


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float
    log_likelihood: float
    converged: bool

    @property
    def population_mean(self) -> float:
        """The mean purchase value of a customer about whom nothing is known: p·v / (q − 1)."""
        return self.p * self.v / (self.q - 1)


def _as_arrays(*values: Array | list[float]) -> list[Array]:
    return [np.asarray(v, dtype=np.float64) for v in values]


def bgnbd_log_likelihood(params: Array, x: Array, t_x: Array, T: Array, weights: Array) -> tuple[float, Array]:
    """The weighted log-likelihood and its gradient with respect to (log r, log α, log a, log b)."""
    r, alpha, a, b = np.exp(params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    bx1 = np.where(repeat, b + x - 1, 1.0)
    a4 = np.where(repeat, np.log(a) - np.log(bx1) - (r + x) * np.log(alpha + t_x), -np.inf)
    top = np.maximum(a3, a4)
    e3, e4 = np.exp(a3 - top), np.exp(a4 - top)
    mix = np.log(e3 + e4) + top
    w3, w4 = e3 / (e3 + e4), e4 / (e3 + e4)
    ll = float(np.sum(weights * (a1 + a2 + mix)))
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(alpha + t_x)
    d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + t_x)
    d_a = digamma(a + b) - digamma(a + b + x) + w4 / a
    d_b = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w4 / bx1
    grad = np.array([np.sum(weights * d) for d in (d_r, d_alpha, d_a, d_b)]) * np.array([r, alpha, a, b])
    return ll, grad


def fit_bgnbd(x: Array, t_x: Array, T: Array, weights: Array | None = None, start: BgNbd | None = None) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters for customers ``(x, t_x, T)`` (one time unit throughout)."""
    x, t_x, T = _as_arrays(x, t_x, T)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    scale = float(np.sum(w))
    if start is not None:
        init = np.log([start.r, start.alpha, start.a, start.b])
    else:
        init = np.array([0.0, np.log(max(float(np.average(T, weights=w)), 1.0)), 0.5, 0.0])

    def objective(params: Array) -> tuple[float, Array]:
        ll, grad = bgnbd_log_likelihood(params, x, t_x, T, w)
        return -ll / scale, -grad / scale

    bounds = [(_LOW, _HIGH), (_LOW, _HIGH), (_ABOVE_ONE, _HIGH), (_LOW, _HIGH)]
    result = minimize(objective, init, jac=True, method="L-BFGS-B", bounds=bounds)
    r, alpha, a, b = np.exp(result.x)
    return BgNbd(float(r), float(alpha), float(a), float(b), float(-result.fun * scale), bool(result.success))


def probability_alive(m: BgNbd, x: Array, t_x: Array, T: Array) -> Array:
    """P(still a customer | x, t_x, T); 1 for a customer with no repeat purchase (the model's assumption)."""
    x, t_x, T = _as_arrays(x, t_x, T)
    repeat = x > 0
    log_ratio = (m.r + x) * (np.log(m.alpha + T) - np.log(m.alpha + t_x))
    odds = np.where(repeat, m.a / np.where(repeat, m.b + x - 1, 1.0) * np.exp(log_ratio), 0.0)
    result: Array = 1.0 / (1.0 + odds)
    return result


def expected_purchases(m: BgNbd, t: float, x: Array, t_x: Array, T: Array) -> Array:
    """E[purchases in the next ``t`` | x, t_x, T] (equation 10 of the BG/NBD paper)."""
    x, t_x, T = _as_arrays(x, t_x, T)
    z = t / (m.alpha + T + t)
    hyp = hyp2f1(m.r + x, m.b + x, m.a + m.b + x - 1, z)
    first = (m.a + m.b + x - 1) / (m.a - 1)
    second = 1 - np.exp((m.r + x) * (np.log(m.alpha + T) - np.log(m.alpha + T + t))) * hyp
    repeat = x > 0
    log_ratio = (m.r + x) * (np.log(m.alpha + T) - np.log(m.alpha + t_x))
    odds = np.where(repeat, m.a / np.where(repeat, m.b + x - 1, 1.0) * np.exp(log_ratio), 0.0)
    result: Array = first * second / (1 + odds)
    return result


def gamma_gamma_log_likelihood(params: Array, x: Array, mean: Array, weights: Array) -> tuple[float, Array]:
    """The weighted log-likelihood of customers' mean repeat values and its gradient (log p, log q, log v)."""
    p, q, v = np.exp(params)
    px = p * x
    ll_each = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(mean)
        + px * np.log(x)
        - (px + q) * np.log(v + mean * x)
    )
    d_p = x * (digamma(px + q) - digamma(px) + np.log(mean) + np.log(x) - np.log(v + mean * x))
    d_q = digamma(px + q) - digamma(q) + np.log(v) - np.log(v + mean * x)
    d_v = q / v - (px + q) / (v + mean * x)
    grad = np.array([np.sum(weights * d) for d in (d_p, d_q, d_v)]) * np.array([p, q, v])
    return float(np.sum(weights * ll_each)), grad


def fit_gamma_gamma(x: Array, mean: Array, weights: Array | None = None) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters from repeat customers' ``x`` (> 0) and mean repeat value."""
    x, mean = _as_arrays(x, mean)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    scale = float(np.sum(w))
    init = np.array([0.0, np.log(2.0), np.log(max(float(np.average(mean, weights=w)), 1.0))])

    def objective(params: Array) -> tuple[float, Array]:
        ll, grad = gamma_gamma_log_likelihood(params, x, mean, w)
        return -ll / scale, -grad / scale

    bounds = [(_LOW, _HIGH), (_ABOVE_ONE, _HIGH), (_LOW, np.log(1e12))]
    result = minimize(objective, init, jac=True, method="L-BFGS-B", bounds=bounds)
    p, q, v = np.exp(result.x)
    return GammaGamma(float(p), float(q), float(v), float(-result.fun * scale), bool(result.success))


def expected_average_value(m: GammaGamma, x: Array, mean: Array) -> Array:
    """E[value of a purchase | x, mean repeat value]; the population mean for a customer with x = 0."""
    x, mean = _as_arrays(x, mean)
    weight = m.p * x / (m.p * x + m.q - 1)
    result: Array = (1 - weight) * m.population_mean + weight * np.where(x > 0, mean, 0.0)
    return result
