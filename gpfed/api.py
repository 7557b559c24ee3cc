from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from accounts.services import api_token_user
from bids.api import router as bids_router
from directory.api import router as directory_router
from economics.api import router as economics_router
from finance.api import router as finance_router
from governance.api import router as governance_router
from home.api import router as home_router
from registry.api import router as registry_router
from rota.api import router as rota_router
from voice.api import router as voice_router


class PersonalToken(HttpBearer):
    """``Authorization: Bearer gpfed_…``: a personal token, carrying its owner's roles."""

    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="gpfed API",
    version="1",
    description=(
        "The gpfed registry as JSON: practices, PCNs, federations and their populations; "
        "value statements, returns to practices and settlements; the Enhanced Access rota and "
        "ARRS claims; a network's member directory and a federation's own directory; what "
        "needs you today. "
        "Use your signed-in session, or a personal token from Your account sent as "
        "`Authorization: Bearer <token>`. What you see follows your roles; anything outside "
        "them answers 404."
    ),
    urls_namespace="api",
    auth=[PersonalToken(), django_auth],
    docs_url="/docs",
)
api.add_router("/", registry_router)
api.add_router("/", finance_router)
api.add_router("/", rota_router)
api.add_router("/", directory_router)
api.add_router("/", bids_router)
api.add_router("/", economics_router)
api.add_router("/", home_router)
api.add_router("/", voice_router)
api.add_router("/", governance_router)
