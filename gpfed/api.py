from ninja import NinjaAPI
from ninja.security import django_auth

from registry.api import router as registry_router

api = NinjaAPI(
    title="gpfed API",
    version="1",
    description=(
        "The gpfed registry as JSON: practices, PCNs, federations and their populations. "
        "Sign in to gpfed first; requests use your session."
    ),
    urls_namespace="api",
    auth=django_auth,
    docs_url="/docs",
)
api.add_router("/", registry_router)
