"""The FinTech sandbox: test mode's magic values and the regulatory sandbox's experiments, whose
limits are enforced on live payments in the transaction that books them (a payments guard)."""

from digiplus.sandbox.service import guard  # registers the payment guard

__all__ = ["guard"]
