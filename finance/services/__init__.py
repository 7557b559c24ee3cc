"""Every write to the federation's money goes through here: each validates fully, writes in
one transaction and records an audit event.

One module per part of the books: ``base`` (the error, the settings and the month-end lock every
write takes), ``catalogue`` (services and who takes part), ``contracts``, ``activity``,
``income`` (income lines), ``accruals`` (contract income worked out from the terms),
``settlements`` (the preview, its warnings and posting) and ``pcn_figures``. Callers import from
``finance.services``; the names are re-exported here."""

from finance.inputs import load_one  # the month's inputs, read here by the race tests
from finance.services.accruals import (
    Due,
    accruals_due,
    accruals_follow,
    accruals_missing,
    accruals_out_of_date,
    contract_income_accrue,
)
from finance.services.activity import (
    ActivityOutcome,
    activity_import,
    activity_record,
    activity_upload_queue,
)
from finance.services.base import (
    SETTINGS_FIELDS,
    FinanceError,
    finance_settings,
    finance_settings_update,
    is_posted,
    month_end_lock,
)
from finance.services.catalogue import (
    SERVICE_FIELDS,
    participation_add,
    participation_end,
    service_save,
)
from finance.services.contracts import (
    CONTRACT_FIELDS,
    contract_save,
    contract_service_set,
    document_add,
    kpi_add,
    subcontract_add,
)
from finance.services.income import (
    ALREADY_ACCRUED,
    INCOME_FIELDS,
    SHARE_LIMIT,
    income_entry_create,
    income_entry_delete,
    income_entry_update,
)
from finance.services.pcn_figures import PCN_FIGURES_FIELDS, pcn_figures_set
from finance.services.settlements import (
    ALREADY_POSTED,
    OUTLIER,
    ROTA_GAP_DAYS,
    activity_warnings,
    settlement_post,
    settlement_preview,
    settlement_reference,
    warnings_digest,
)

__all__ = [
    "ALREADY_ACCRUED",
    "ALREADY_POSTED",
    "CONTRACT_FIELDS",
    "INCOME_FIELDS",
    "OUTLIER",
    "PCN_FIGURES_FIELDS",
    "ROTA_GAP_DAYS",
    "SERVICE_FIELDS",
    "SETTINGS_FIELDS",
    "SHARE_LIMIT",
    "ActivityOutcome",
    "Due",
    "FinanceError",
    "accruals_due",
    "accruals_follow",
    "accruals_missing",
    "accruals_out_of_date",
    "activity_import",
    "activity_record",
    "activity_upload_queue",
    "activity_warnings",
    "contract_income_accrue",
    "contract_save",
    "contract_service_set",
    "document_add",
    "finance_settings",
    "finance_settings_update",
    "income_entry_create",
    "income_entry_delete",
    "income_entry_update",
    "is_posted",
    "kpi_add",
    "load_one",
    "month_end_lock",
    "participation_add",
    "participation_end",
    "pcn_figures_set",
    "service_save",
    "settlement_post",
    "settlement_preview",
    "settlement_reference",
    "subcontract_add",
    "warnings_digest",
]
