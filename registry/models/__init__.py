from registry.models.federations import (
    Federation,
    FederationMembership,
    MembershipConsent,
    Network,
    NetworkMembership,
)
from registry.models.imports import ImportRun
from registry.models.organisations import (
    PCN,
    Commissioner,
    OtherOrganisation,
    Practice,
    PracticeCommissioner,
    PracticePCN,
)
from registry.models.populations import AnnualPopulation, ListSize

__all__ = [
    "PCN",
    "AnnualPopulation",
    "Commissioner",
    "Federation",
    "FederationMembership",
    "ImportRun",
    "ListSize",
    "MembershipConsent",
    "Network",
    "NetworkMembership",
    "OtherOrganisation",
    "Practice",
    "PracticeCommissioner",
    "PracticePCN",
]
