"""Units and limits shared by every layer, each defined once."""

DAYS_PER_YEAR = 365
"""Rates given per year are divided by this to get rates per day."""

SCORE_LIMIT = 32_000
"""Scores and false points are int16: they are kept within plus or minus this."""

MAX_DAYS = 32_000
"""Longest simulated period, delay or duration, in days: days are int16 in the engine."""

AGENT_LIMIT = 2**31 - 1
"""A run has fewer agents than this: agents are indexed by 32-bit signed integers (rosters, records)."""
