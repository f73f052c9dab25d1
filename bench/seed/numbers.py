"""Arithmetic the planners share: splitting totals by weight, and timestamps."""

from datetime import UTC, datetime

from django.core.management.base import CommandError


def allocate(total: int, weights, cap: int) -> list[int]:
    """Split `total` into whole numbers proportional to `weights` (largest remainders), none
    above `cap`; what a capped share cannot take goes to the others."""
    counts = [0] * len(weights)
    open_indexes = [index for index, weight in enumerate(weights) if weight > 0]
    left = total
    while left > 0:
        if not open_indexes:
            raise CommandError("The data set is too small for this scale; use a larger --scale.")
        weight_sum = sum(weights[index] for index in open_indexes)
        exact = [left * weights[index] / weight_sum for index in open_indexes]
        shares = [int(value) for value in exact]
        shortfall = left - sum(shares)
        by_remainder = sorted(range(len(exact)), key=lambda i: shares[i] - exact[i])
        for position in by_remainder[:shortfall]:
            shares[position] += 1
        left = 0
        for index, share in zip(open_indexes, shares, strict=True):
            given = min(share, cap - counts[index])
            counts[index] += given
            left += share - given
        open_indexes = [index for index in open_indexes if counts[index] < cap]
    return counts


def timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def cumulative(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total
