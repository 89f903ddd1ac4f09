"""The two "buy till you die" models behind CLV, fitted by maximum likelihood, in NumPy, for many
merchants at once:

- **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
  customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with
  probability p ~ Beta(a, b). From each customer's ``x`` (repeat purchases), ``t_x`` (time of the
  last one since the first) and ``T`` (time since the first purchase) it gives the probability a
  customer is still alive and the purchases expected in the next ``t``.
- **Gamma-Gamma** (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): the mean
  value of a customer's repeat purchases, shrunk towards the population's by how many there were.

Why our own implementation rather than ``lifetimes`` (unmaintained since 2020) or PyMC-Marketing
(a PyMC/PyTensor stack far heavier than a few likelihoods): docs/adr/0015-insight-analytics.md.

**Many merchants in one optimisation** (docs/adr/0026-clv-batched-newton.md). Customers come as
rows sorted by group (merchant); each group has its own parameters and the groups' likelihoods
are independent, so the problem is block-diagonal: every Newton iteration evaluates the papers'
log-likelihoods, their gradients and their exact Hessians (digamma/trigamma) for all rows in one
pass of array arithmetic, sums them per group (``np.add.reduceat``) and takes every group's own
damped Newton step (a 4×4 or 3×3 system each, solved together). Parameters live in log space
with the bounds ``[1e-6, 1e6]``, ``a > 1`` and ``q > 1`` (the conditional expectations need
them); a coordinate on its bound whose gradient points out of the box is held there (projected
Newton). A group stops when its projected gradient is below ``GRADIENT_TOLERANCE``; converged
groups drop out of the next iterations' rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import digamma, gammaln, hyp2f1, zeta

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
_LOW, _HIGH = np.log(1e-6), np.log(1e6)
_ABOVE_ONE = np.log(1.0 + 1e-3)
GRADIENT_TOLERANCE = 1e-8  # of the mean log-likelihood per customer, in log-parameter space
MAX_ITERATIONS = 200
MAX_STEP = 1.0  # the largest move of a log-parameter in one iteration (a factor of e)


def trigamma(z: Any) -> Any:
    """ψ₁(z), the derivative of digamma: the Hurwitz zeta ζ(2, z)."""
    return zeta(2.0, z)


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


@dataclass(frozen=True)
class Groups:
    """Rows sorted by group: group ``g`` is rows ``starts[g] : starts[g] + sizes[g]`` (none empty)."""

    starts: IntArray
    sizes: IntArray

    @classmethod
    def of_sorted(cls, keys: NDArray[Any]) -> Groups:
        """The runs of equal consecutive values of ``keys`` (already sorted by group)."""
        n = len(keys)
        if n == 0:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64))
        starts = np.concatenate([[0], np.flatnonzero(keys[1:] != keys[:-1]) + 1]).astype(np.int64)
        return cls(starts, np.diff(np.append(starts, n)).astype(np.int64))

    @classmethod
    def one(cls, n: int) -> Groups:
        return cls(np.zeros(1, np.int64), np.array([n], np.int64))

    def __len__(self) -> int:
        return len(self.starts)

    def sum(self, values: Array) -> Array:
        """Per-group sums of per-row values (first axis)."""
        result: Array = np.add.reduceat(values, self.starts, axis=0)
        return result

    def spread(self, per_group: NDArray[Any]) -> NDArray[Any]:
        """Each group's value repeated for each of its rows."""
        return np.repeat(per_group, self.sizes, axis=0)

    def rows(self) -> IntArray:
        """The row indices of every group, in order."""
        offsets = np.repeat(self.starts - (np.cumsum(self.sizes) - self.sizes), self.sizes)
        result: IntArray = np.arange(int(self.sizes.sum()), dtype=np.int64) + offsets
        return result

    def subset(self, keep: NDArray[np.bool_]) -> tuple[Groups, IntArray]:
        """The groups where ``keep``, renumbered over their own rows; and those rows' indices here."""
        kept = Groups(self.starts[keep], self.sizes[keep])
        packed = Groups((np.cumsum(kept.sizes) - kept.sizes).astype(np.int64), kept.sizes)
        return packed, kept.rows()


@dataclass(frozen=True)
class _Customers:
    """Customers' columns (per row, sorted by group) and their distinct (group, x) pairs.

    The log-gamma, digamma and trigamma terms of both likelihoods depend on a row only through
    its group's parameters and its ``x``, so they are computed once per distinct pair and weighted
    by how many rows share it: a merchant's customers have a few dozen values of ``x``."""

    groups: Groups
    x: Array
    t_x: Array  # Gamma-Gamma: the mean repeat value
    T: Array  # Gamma-Gamma: log(mean) + log(x), computed once
    w: Array
    pairs: Groups
    pair_x: Array
    pair_w: Array

    @classmethod
    def of(cls, groups: Groups, x: Any, t_x: Any, T: Any, weights: Any = None) -> _Customers:
        xs, txs, Ts = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
        w = np.ones_like(xs) if weights is None else np.asarray(weights, dtype=np.float64)
        group = groups.spread(np.arange(len(groups)))
        order = np.lexsort((xs, group))
        pair_keys = np.stack([group[order], xs[order]], axis=1)
        firsts = (
            np.concatenate([[True], (pair_keys[1:] != pair_keys[:-1]).any(axis=1)]) if len(xs) else np.zeros(0, bool)
        )
        starts = np.flatnonzero(firsts)
        pair_w = np.add.reduceat(w[order], starts) if len(starts) else np.zeros(0)
        pairs = Groups.of_sorted(pair_keys[starts, 0])
        return cls(groups, xs, txs, Ts, w, pairs, pair_keys[starts, 1], pair_w)

    def subset(self, keep: NDArray[np.bool_]) -> _Customers:
        """The customers of the groups where ``keep``."""
        groups, rows = self.groups.subset(keep)
        pairs, pair_rows = self.pairs.subset(keep)
        return _Customers(
            groups,
            self.x[rows],
            self.t_x[rows],
            self.T[rows],
            self.w[rows],
            pairs,
            self.pair_x[pair_rows],
            self.pair_w[pair_rows],
        )


# --- BG/NBD -----------------------------------------------------------------------------------
def _bgnbd_terms(theta: Array, c: _Customers, order: int) -> tuple[Array, Array, Array]:
    """Per group: the log-likelihood and (order ≥ 1) its gradient, (order 2) its Hessian, with
    respect to the natural parameters (r, α, a, b). ``theta`` is (groups, 4)."""
    groups, n = c.groups, len(c.groups)
    r_g, alpha_g, a_g, b_g = theta.T
    weight = groups.sum(c.w)
    # The pairs' terms: log Γ(r + x) + log Γ(b + x) − log Γ(a + b + x) and their derivatives.
    r_p, a_p, b_p = (c.pairs.spread(v) for v in (r_g, a_g, b_g))
    xp, wp = c.pair_x, c.pair_w
    ll = c.pairs.sum(wp * (gammaln(r_p + xp) + gammaln(b_p + xp) - gammaln(a_p + b_p + xp)))
    ll += weight * (-gammaln(r_g) + r_g * np.log(alpha_g) + gammaln(a_g + b_g) - gammaln(b_g))
    # The rows' terms: log(e^A3 + e^A4), A3 (still alive at T) and A4 (dropped out after t_x).
    r, alpha, a, b = (groups.spread(v) for v in (r_g, alpha_g, a_g, b_g))
    x, t_x, T, w = c.x, c.t_x, c.T, c.w
    repeat = x > 0
    rx = r + x
    bx1 = np.where(repeat, b + x - 1, 1.0)
    log_aT, log_at = np.log(alpha + T), np.log(alpha + t_x)
    a3 = -rx * log_aT
    a4 = np.where(repeat, np.log(a) - np.log(bx1) - rx * log_at, -np.inf)
    top = np.maximum(a3, a4)
    e3, e4 = np.exp(a3 - top), np.exp(a4 - top)
    total = e3 + e4
    ll += groups.sum(w * (np.log(total) + top))
    empty = np.zeros((n, 4)), np.zeros((n, 4, 4))
    if order == 0:
        return ll, *empty
    w3, w4 = e3 / total, e4 / total
    d3_r, d3_alpha = -log_aT, -rx / (alpha + T)
    d4_r, d4_alpha, d4_a, d4_b = -log_at, -rx / (alpha + t_x), 1 / a, -1 / bx1
    row_grad = np.stack(
        [w3 * d3_r + w4 * d4_r, w3 * d3_alpha + w4 * d4_alpha, w4 * d4_a, w4 * d4_b],
        axis=1,
    )
    psi_abx = digamma(a_p + b_p + xp)
    pair_grad = np.stack(
        [digamma(r_p + xp), np.zeros(len(xp)), -psi_abx, digamma(b_p + xp) - psi_abx],
        axis=1,
    )
    psi_ab = digamma(a_g + b_g)
    constant_grad = np.stack([-digamma(r_g) + np.log(alpha_g), r_g / alpha_g, psi_ab, psi_ab - digamma(b_g)], axis=1)
    grad = groups.sum(w[:, None] * row_grad) + c.pairs.sum(wp[:, None] * pair_grad) + weight[:, None] * constant_grad
    if order == 1:
        return ll, grad, empty[1]
    # Hessian of log(e^A3 + e^A4) = w3·H3 + w4·H4 + w3·w4·(d3 − d4)(d3 − d4)ᵀ.
    diff = np.stack([d3_r - d4_r, d3_alpha - d4_alpha, -d4_a, -d4_b], axis=1)
    h = (w3 * w4)[:, None, None] * diff[:, :, None] * diff[:, None, :]
    h[:, 0, 1] += -w3 / (alpha + T) - w4 / (alpha + t_x)
    h[:, 1, 1] += w3 * rx / (alpha + T) ** 2 + w4 * rx / (alpha + t_x) ** 2
    h[:, 2, 2] += -w4 / a**2
    h[:, 3, 3] += w4 / bx1**2
    tri_abx = trigamma(a_p + b_p + xp)
    hp = np.zeros((len(xp), 4, 4))
    hp[:, 0, 0] = trigamma(r_p + xp)
    hp[:, 2, 2] = -tri_abx
    hp[:, 2, 3] = -tri_abx
    hp[:, 3, 3] = trigamma(b_p + xp) - tri_abx
    tri_ab = trigamma(a_g + b_g)
    hc = np.zeros((n, 4, 4))
    hc[:, 0, 0] = -trigamma(r_g)
    hc[:, 0, 1] = 1 / alpha_g
    hc[:, 1, 1] = -r_g / alpha_g**2
    hc[:, 2, 2] = tri_ab
    hc[:, 2, 3] = tri_ab
    hc[:, 3, 3] = tri_ab - trigamma(b_g)
    hess = groups.sum(w[:, None, None] * h) + c.pairs.sum(wp[:, None, None] * hp) + weight[:, None, None] * hc
    return ll, grad, _symmetric(hess)


def _symmetric(upper: Array) -> Array:
    """The symmetric matrices whose upper triangles (diagonal included) are ``upper``'s."""
    result: Array = np.triu(upper) + np.transpose(np.triu(upper, 1), (0, 2, 1))
    return result


def bgnbd_log_likelihood(
    params: Array, x: Array, t_x: Array, T: Array, weights: Array | None = None
) -> tuple[float, Array]:
    """The (weighted) log-likelihood of one group and its gradient with respect to (log r, log α, log a, log b)."""
    c = _Customers.of(Groups.one(len(x)), x, t_x, T, weights)
    theta = np.exp(np.asarray(params, dtype=np.float64))[None, :]
    ll, grad, _ = _bgnbd_terms(theta, c, 1)
    return float(ll[0]), grad[0] * theta[0]


@dataclass(frozen=True)
class BgNbdFits:
    """Every group's BG/NBD parameters (arrays, one value per group)."""

    r: Array
    alpha: Array
    a: Array
    b: Array
    log_likelihood: Array
    converged: NDArray[np.bool_]
    iterations: int

    def group(self, g: int) -> BgNbd:
        return BgNbd(
            float(self.r[g]),
            float(self.alpha[g]),
            float(self.a[g]),
            float(self.b[g]),
            float(self.log_likelihood[g]),
            bool(self.converged[g]),
        )


def fit_bgnbd_groups(groups: Groups, x: Array, t_x: Array, T: Array, weights: Array | None = None) -> BgNbdFits:
    """Maximum-likelihood BG/NBD parameters of every group (rows sorted by group, one time unit)."""
    c = _Customers.of(groups, x, t_x, T, weights)
    n = len(groups)
    weight = groups.sum(c.w) if n else np.zeros(0)
    mean_T = groups.sum(c.w * c.T) / weight if n else np.zeros(0)
    start = np.stack([np.zeros(n), np.log(np.maximum(mean_T, 1.0)), np.full(n, 0.5), np.zeros(n)], axis=1)
    lower = np.array([_LOW, _LOW, _ABOVE_ONE, _LOW])
    upper = np.full(4, _HIGH)
    phi, ll, converged, iterations = _newton(_bgnbd_terms, c, start, lower, upper)
    r, alpha, a, b = np.exp(phi).T
    return BgNbdFits(r, alpha, a, b, ll, converged, iterations)


def fit_bgnbd(x: Array, t_x: Array, T: Array, weights: Array | None = None) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters for one group of customers ``(x, t_x, T)``."""
    return fit_bgnbd_groups(Groups.one(len(x)), x, t_x, T, weights).group(0)


def probability_alive(m: BgNbd | BgNbdFits, x: Array, t_x: Array, T: Array, groups: Groups | None = None) -> Array:
    """P(still a customer | x, t_x, T); 1 for a customer with no repeat purchase (the model's assumption).

    ``m`` is one model, or every group's (``groups`` then says which rows are whose)."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    r, alpha, a, b = _per_row(m, groups, "r", "alpha", "a", "b")
    repeat = x > 0
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    odds = np.where(repeat, a / np.where(repeat, b + x - 1, 1.0) * np.exp(log_ratio), 0.0)
    result: Array = 1.0 / (1.0 + odds)
    return result


def expected_purchases(
    m: BgNbd | BgNbdFits, t: float, x: Array, t_x: Array, T: Array, groups: Groups | None = None
) -> Array:
    """E[purchases in the next ``t`` | x, t_x, T] (equation 10 of the BG/NBD paper)."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    r, alpha, a, b = _per_row(m, groups, "r", "alpha", "a", "b")
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    first = (a + b + x - 1) / (a - 1)
    second = 1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    repeat = x > 0
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    odds = np.where(repeat, a / np.where(repeat, b + x - 1, 1.0) * np.exp(log_ratio), 0.0)
    result: Array = first * second / (1 + odds)
    return result


# --- Gamma-Gamma ------------------------------------------------------------------------------
def _gamma_gamma_terms(theta: Array, c: _Customers, order: int) -> tuple[Array, Array, Array]:
    """Per group: the log-likelihood of customers' mean repeat values and its gradient and Hessian
    with respect to (p, q, v). ``theta`` is (groups, 3); ``c.t_x`` holds each customer's mean
    repeat value ``m``, ``c.T`` holds ``log m + log x``."""
    groups, n = c.groups, len(c.groups)
    p_g, q_g, v_g = theta.T
    weight = groups.sum(c.w)
    # The pairs' terms: log Γ(px + q) − log Γ(px).
    p_p, q_p = c.pairs.spread(p_g), c.pairs.spread(q_g)
    xp, wp = c.pair_x, c.pair_w
    pxq_p, px_p = p_p * xp + q_p, p_p * xp
    ll = c.pairs.sum(wp * (gammaln(pxq_p) - gammaln(px_p))) + weight * (q_g * np.log(v_g) - gammaln(q_g))
    # The rows' terms: (px − 1)·log m + px·log x − (px + q)·log(v + m·x).
    p, q, v = (groups.spread(val) for val in (p_g, q_g, v_g))
    x, mean, logs, w = c.x, c.t_x, c.T, c.w
    px = p * x
    spent = v + mean * x
    log_spent = np.log(spent)
    log_mean = logs - np.log(x)
    ll += groups.sum(w * (px * logs - log_mean - (px + q) * log_spent))
    empty = np.zeros((n, 3)), np.zeros((n, 3, 3))
    if order == 0:
        return ll, *empty
    psi_pxq = digamma(pxq_p)
    pair_grad = np.stack([xp * (psi_pxq - digamma(px_p)), psi_pxq, np.zeros(len(xp))], axis=1)
    row_grad = np.stack([x * (logs - log_spent), -log_spent, -(px + q) / spent], axis=1)
    constant_grad = np.stack([np.zeros(n), np.log(v_g) - digamma(q_g), q_g / v_g], axis=1)
    grad = groups.sum(w[:, None] * row_grad) + c.pairs.sum(wp[:, None] * pair_grad) + weight[:, None] * constant_grad
    if order == 1:
        return ll, grad, empty[1]
    tri_pxq = trigamma(pxq_p)
    hp = np.zeros((len(xp), 3, 3))
    hp[:, 0, 0] = xp**2 * (tri_pxq - trigamma(px_p))
    hp[:, 0, 1] = xp * tri_pxq
    hp[:, 1, 1] = tri_pxq
    h = np.zeros((len(x), 3, 3))
    h[:, 0, 2] = -x / spent
    h[:, 1, 2] = -1 / spent
    h[:, 2, 2] = (px + q) / spent**2
    hc = np.zeros((n, 3, 3))
    hc[:, 1, 1] = -trigamma(q_g)
    hc[:, 1, 2] = 1 / v_g
    hc[:, 2, 2] = -q_g / v_g**2
    hess = groups.sum(w[:, None, None] * h) + c.pairs.sum(wp[:, None, None] * hp) + weight[:, None, None] * hc
    return ll, grad, _symmetric(hess)


def _mean_values(groups: Groups, x: Any, mean: Any, weights: Any = None) -> _Customers:
    xs, ms = np.asarray(x, dtype=np.float64), np.asarray(mean, dtype=np.float64)
    return _Customers.of(groups, xs, ms, np.log(ms) + np.log(xs), weights)


def gamma_gamma_log_likelihood(
    params: Array, x: Array, mean: Array, weights: Array | None = None
) -> tuple[float, Array]:
    """The (weighted) log-likelihood of one group's mean repeat values and its gradient (log p, log q, log v)."""
    c = _mean_values(Groups.one(len(x)), x, mean, weights)
    theta = np.exp(np.asarray(params, dtype=np.float64))[None, :]
    ll, grad, _ = _gamma_gamma_terms(theta, c, 1)
    return float(ll[0]), grad[0] * theta[0]


@dataclass(frozen=True)
class GammaGammaFits:
    """Every group's Gamma-Gamma parameters (arrays, one value per group)."""

    p: Array
    q: Array
    v: Array
    log_likelihood: Array
    converged: NDArray[np.bool_]
    iterations: int

    def group(self, g: int) -> GammaGamma:
        return GammaGamma(
            float(self.p[g]),
            float(self.q[g]),
            float(self.v[g]),
            float(self.log_likelihood[g]),
            bool(self.converged[g]),
        )


def fit_gamma_gamma_groups(groups: Groups, x: Array, mean: Array, weights: Array | None = None) -> GammaGammaFits:
    """Maximum-likelihood Gamma-Gamma parameters of every group from repeat customers' ``x`` (> 0)
    and mean repeat value (rows sorted by group)."""
    c = _mean_values(groups, x, mean, weights)
    n = len(groups)
    mean_value = groups.sum(c.w * c.t_x) / groups.sum(c.w) if n else np.zeros(0)
    start = np.stack([np.zeros(n), np.full(n, np.log(2.0)), np.log(np.maximum(mean_value, 1.0))], axis=1)
    lower = np.array([_LOW, _ABOVE_ONE, _LOW])
    upper = np.array([_HIGH, _HIGH, np.log(1e12)])
    phi, ll, converged, iterations = _newton(_gamma_gamma_terms, c, start, lower, upper)
    p, q, v = np.exp(phi).T
    return GammaGammaFits(p, q, v, ll, converged, iterations)


def fit_gamma_gamma(x: Array, mean: Array, weights: Array | None = None) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters from one group's repeat customers."""
    return fit_gamma_gamma_groups(Groups.one(len(x)), x, mean, weights).group(0)


def expected_average_value(
    m: GammaGamma | GammaGammaFits, x: Array, mean: Array, groups: Groups | None = None
) -> Array:
    """E[value of a purchase | x, mean repeat value]; the population mean for a customer with x = 0."""
    x, mean = (np.asarray(v, dtype=np.float64) for v in (x, mean))
    p, q, v = _per_row(m, groups, "p", "q", "v")
    weight = p * x / (p * x + q - 1)
    result: Array = (1 - weight) * (p * v / (q - 1)) + weight * np.where(x > 0, mean, 0.0)
    return result


def _per_row(m: Any, groups: Groups | None, *names: str) -> list[Any]:
    if groups is None:
        return [getattr(m, n) for n in names]
    return [groups.spread(getattr(m, n)) for n in names]


# --- the solver -------------------------------------------------------------------------------
Terms = Callable[[Array, _Customers, int], tuple[Array, Array, Array]]


def _objective(terms: Terms, phi: Array, c: _Customers, order: int) -> tuple[Array, Array, Array]:
    """What is minimised: −log-likelihood per unit of weight of each group, with its gradient and
    Hessian, in log parameters ``phi`` (so the likelihood's scale does not depend on group size)."""
    theta = np.exp(phi)
    ll, g, h = terms(theta, c, order)
    scale = c.groups.sum(c.w)[:, None]
    grad = g * theta
    hess = h * theta[:, :, None] * theta[:, None, :] + np.einsum("gi,ij->gij", grad, np.eye(theta.shape[1]))
    return -ll / scale[:, 0], -grad / scale, -hess / scale[:, :, None]


def _newton(
    terms: Terms, c: _Customers, start: Array, lower: Array, upper: Array
) -> tuple[Array, Array, NDArray[np.bool_], int]:
    """Every group's maximum likelihood within the box, by projected, damped Newton steps.

    The step solves ``(|H| + λI) d = −g`` on the free coordinates (|H|: the Hessian with its
    eigenvalues made positive, so a step always goes downhill), is shortened to at most
    ``MAX_STEP`` in any log-parameter (a trust region: the likelihoods have flat ridges a full
    Newton step can jump onto) and clipped to the box; a step that does not lower the objective
    is retried with λ ten times larger (Levenberg-Marquardt). Returns the parameters, the
    log-likelihoods, which groups converged, and the iterations run."""
    n, k = start.shape
    phi = np.clip(start, lower, upper)
    if n == 0:
        return phi, np.zeros(0), np.zeros(0, dtype=bool), 0
    weight = c.groups.sum(c.w)
    damping = np.full(n, 1e-3)
    converged = np.zeros(n, dtype=bool)
    active = np.ones(n, dtype=bool)
    f, g, h = _objective(terms, phi, c, 2)
    iterations = 0
    for iterations in range(1, MAX_ITERATIONS + 1):  # noqa: B007  (reported after the loop)
        held = ((phi <= lower + 1e-12) & (g > 0)) | ((phi >= upper - 1e-12) & (g < 0))
        free_g = np.where(held, 0.0, g)
        done = active & (np.max(np.abs(free_g), axis=1) < GRADIENT_TOLERANCE)
        converged |= done
        active &= ~done & (damping < 1e12)
        if not active.any():
            break
        idx = np.flatnonzero(active)
        hs = np.where(held[idx, :, None] | held[idx, None, :], 0.0, h[idx])
        hs[:, np.arange(k), np.arange(k)] += np.where(held[idx], 1.0, 0.0)
        values, vectors = np.linalg.eigh(hs)
        values = np.maximum(np.abs(values), 1e-10) + damping[idx, None]
        step = -np.einsum("gij,gj->gi", vectors, np.einsum("gji,gj->gi", vectors, free_g[idx]) / values)
        step *= np.minimum(1.0, MAX_STEP / np.maximum(np.max(np.abs(step), axis=1), 1e-300))[:, None]
        trial = np.clip(phi[idx] + step, lower, upper)
        ft, gt, ht = _objective(terms, trial, c.subset(active), 2)
        better = np.isfinite(ft) & (ft <= f[idx]) & np.isfinite(gt).all(axis=1) & np.isfinite(ht).all(axis=(1, 2))
        stalled = better & (np.abs(f[idx] - ft) <= 1e-15 * np.maximum(1.0, np.abs(ft)))
        moved = idx[better]
        phi[moved], f[moved], g[moved], h[moved] = trial[better], ft[better], gt[better], ht[better]
        damping[moved] = np.maximum(damping[moved] / 10, 1e-12)
        damping[idx[~better]] *= 10
        converged[idx[stalled]] = True
        active[idx[stalled]] = False
    return phi, -f * weight, converged, iterations
