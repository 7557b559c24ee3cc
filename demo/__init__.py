"""The demo federation: East Leicestershire and Rutland, built from the shipped NHS files, with
one person for each role. The password is published: demo mode only."""

DEMO_PASSWORD = "demo-federation-2026"  # noqa: S105 - published, demo only # nosec B105
DEMO_NETWORK = "Primary Care Federation Network (demo)"


def _user(email, name, role, label, organisation=("federation", None)):
    return {
        "email": f"{email}@demo.gpfed.example",
        "name": name,
        "role": role,
        "label": label,
        "organisation": organisation,
        "password": DEMO_PASSWORD,
    }


DEMO_USERS = [
    _user("coo", "Demo COO", "federation_admin", "Federation administrator (COO)"),
    _user("finance", "Demo finance lead", "finance_lead", "Finance lead"),
    _user("operations", "Demo operations lead", "operations_lead", "Operations lead"),
    _user("comms", "Demo communications lead", "communications_lead", "Communications lead"),
    _user("board", "Demo board member", "board_member", "Board member"),
    _user(
        "cd.crosscounties",
        "Demo clinical director",
        "pcn_clinical_director",
        "Clinical director, Cross Counties PCN",
        ("pcn", "U30213"),
    ),
    _user(
        "manager.c82001",
        "Demo practice manager",
        "practice_manager",
        "Practice manager, South Leicestershire Medical Group",
        ("practice", "C82001"),
    ),
    _user(
        "staff.c82001",
        "Demo practice staff",
        "practice_staff",
        "Practice staff, South Leicestershire Medical Group",
        ("practice", "C82001"),
    ),
    _user(
        "network",
        "Demo network administrator",
        "network_admin",
        "Network administrator",
        ("network", None),
    ),
]
