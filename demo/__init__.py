"""The demo federation: East Leicestershire and Rutland, built from the shipped NHS files."""

DEMO_PASSWORD = "demo-federation-2026"  # noqa: S105 - published demo login, demo mode only

DEMO_USERS = [
    {
        "email": "coo@demo.gpfed.example",
        "name": "Demo federation COO",
        "role": "Federation chief operating officer",
        "password": DEMO_PASSWORD,
    },
]
