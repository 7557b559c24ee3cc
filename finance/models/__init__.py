"""The federation's money: the services it delivers at scale, the contracts that fund them, the
activity practices receive, and the monthly settlements that pass income back to practices.

Money is integer pence throughout (``*_pence`` fields); rates that may hold fractions of a penny
per head or per unit are decimals in pounds and are rounded half-up to the penny once, where an
amount is computed. A posted settlement and everything written with it never change: a
correction is an income line in a later month that names the settlement it corrects.

One module per theme: ``catalogue`` (sharing rules, settings, services and who takes part),
``contracts``, ``activity``, ``income`` (income lines and posted settlements) and
``pcn_figures``. Every model is re-exported here, so Django finds them in the finance app and
callers import from ``finance.models``."""

from finance.models.activity import Activity, ActivityUpload
from finance.models.catalogue import (
    PRACTICE_OR_PCN,
    RULES_WITH_SHARES,
    FinanceSettings,
    ForPracticeOrPcn,
    Rule,
    Service,
    ServiceParticipation,
)
from finance.models.contracts import (
    Contract,
    ContractDocument,
    ContractKPI,
    ContractService,
    Subcontract,
    months_before,
)
from finance.models.income import (
    Immutable,
    IncomeEntry,
    IncomeShare,
    Settlement,
    SettlementLine,
    SettlementRow,
)
from finance.models.pcn_figures import PcnFigures

__all__ = [
    "PRACTICE_OR_PCN",
    "RULES_WITH_SHARES",
    "Activity",
    "ActivityUpload",
    "Contract",
    "ContractDocument",
    "ContractKPI",
    "ContractService",
    "FinanceSettings",
    "ForPracticeOrPcn",
    "Immutable",
    "IncomeEntry",
    "IncomeShare",
    "PcnFigures",
    "Rule",
    "Service",
    "ServiceParticipation",
    "Settlement",
    "SettlementLine",
    "SettlementRow",
    "Subcontract",
    "months_before",
]
