"""Pages for shared staff, the Enhanced Access rota and ARRS claims. Each view checks access in
accounts.permissions, validates, calls a service or selector, and renders. One module per
section:

- ``_shared``: what the pages share (the federation and whether the person may manage its
  rota, its Enhanced Access PCNs, a staff record and who may change that person's
  availability);
- ``home``: the rota front pages, a federation's rota home for the weeks asked for and the CSV
  of their sessions, asking for a plan and its progress;
- ``weeks``: a week for one site or one person, and a person's calendar file;
- ``sessions``: adding, changing, locking and removing a session by hand;
- ``records``: staff, sites, PCNs, agreed hours, availability and leave, the availability
  import;
- ``claims``: ARRS claims.

Every view is importable from here (``rota.views.site_week``), as ``rota/urls.py`` uses them.
"""

from rota.views._shared import DAYS
from rota.views.claims import arrs_claim, arrs_csv, arrs_submit
from rota.views.home import federation_home, index, pcn_access, plan, run_status, sessions_csv
from rota.views.records import (
    agreed_add,
    availability_add,
    availability_import,
    change_add,
    pcn_list,
    site_edit,
    site_list,
    staff_edit,
    staff_list,
)
from rota.views.sessions import (
    session_add,
    session_cost_of,
    session_delete,
    session_edit,
    session_lock,
)
from rota.views.weeks import person_calendar, person_week, site_week

__all__ = [
    "DAYS",
    "agreed_add",
    "arrs_claim",
    "arrs_csv",
    "arrs_submit",
    "availability_add",
    "availability_import",
    "change_add",
    "federation_home",
    "index",
    "pcn_access",
    "pcn_list",
    "person_calendar",
    "person_week",
    "plan",
    "run_status",
    "session_add",
    "session_cost_of",
    "session_delete",
    "session_edit",
    "session_lock",
    "sessions_csv",
    "site_edit",
    "site_list",
    "site_week",
    "staff_edit",
    "staff_list",
]
