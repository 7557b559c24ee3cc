"""The 5x5 risk matrix (pure, no database): a score is likelihood x impact, each 1 to 5, and
its band is the one the NHS's risk matrices commonly use, shown as red, amber or green:

| score | band | RAG |
|---|---|---|
| 1 to 3 | low | green |
| 4 to 6 | moderate | amber |
| 8 to 12 | high | amber |
| 15 to 25 | extreme | red |
"""

from __future__ import annotations

from dataclasses import dataclass

LIKELIHOOD = {1: "Rare", 2: "Unlikely", 3: "Possible", 4: "Likely", 5: "Almost certain"}
IMPACT = {1: "Negligible", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Catastrophic"}


@dataclass(frozen=True)
class Band:
    score: int
    label: str  # low, moderate, high, extreme
    rag: str  # green, amber, red

    @property
    def text(self) -> str:
        return f"{self.score} ({self.label}, {self.rag})"


def band(likelihood: int, impact: int) -> Band:
    if likelihood not in LIKELIHOOD or impact not in IMPACT:
        raise ValueError("likelihood and impact are each 1 to 5")
    score = likelihood * impact
    if score <= 3:
        return Band(score, "low", "green")
    if score <= 6:
        return Band(score, "moderate", "amber")
    if score <= 12:
        return Band(score, "high", "amber")
    return Band(score, "extreme", "red")
