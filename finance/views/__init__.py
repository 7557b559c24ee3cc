"""Pages for the federation's money. Each view checks access in accounts.permissions, validates,
calls a selector or a service, and renders. One module per section:

- ``_shared``: what every page shares (the federation and whether the person may manage its
  money, the form page with finance's refusals, a practice-or-PCN code, a month from the
  address);
- ``home``: the finance front pages, a federation's finance home and its settings;
- ``catalogue``: services and the practices and PCNs taking part in each;
- ``contracts``: the contracts register, a contract and its parts, its documents;
- ``activity_pages``: a month's activity, recording it by hand, and uploading a file;
- ``settlements``: a month's settlement, its income lines, posting it, its remittance and
  journal files;
- ``statements``: a practice's value statement and a federation's returns;
- ``figures``: the figures the DES pays on (a PCN's care-home beds and IIF points).

Every view is importable from here (``finance.views.statement``), as ``finance/urls.py`` uses
them.
"""

from finance.views.activity_pages import activity, activity_entry, activity_upload
from finance.views.catalogue import (
    participation_add,
    participation_end,
    service_detail,
    service_edit,
    service_list,
)
from finance.views.contracts import (
    contract_detail,
    contract_edit,
    contract_list,
    contract_part,
    document_download,
)
from finance.views.figures import pcn_figures
from finance.views.home import federation_home, index, settings_edit
from finance.views.settlements import (
    income_accrue,
    income_add,
    income_delete,
    income_edit,
    settlement,
    settlement_export,
    settlement_post,
)
from finance.views.statements import RETURNS_FORMATS, returns, statement

__all__ = [
    "RETURNS_FORMATS",
    "activity",
    "activity_entry",
    "activity_upload",
    "contract_detail",
    "contract_edit",
    "contract_list",
    "contract_part",
    "document_download",
    "federation_home",
    "income_accrue",
    "income_add",
    "income_delete",
    "income_edit",
    "index",
    "participation_add",
    "participation_end",
    "pcn_figures",
    "returns",
    "service_detail",
    "service_edit",
    "service_list",
    "settings_edit",
    "settlement",
    "settlement_export",
    "settlement_post",
    "statement",
]
