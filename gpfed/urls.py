from django.urls import include, path

from gpfed.api import api
from home import views as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("finance/", include("finance.urls")),
    path("rota/", include("rota.urls")),
    path("comms/", include("comms.urls")),
    path("directory/", include("directory.urls")),
    path("governance/", include("governance.urls")),
    path("bids/", include("bids.urls")),
    path("economics/", include("economics.urls")),
    path("voice/", include("voice.urls")),
    path("", include("registry.urls")),
    path("api/v1/", api.urls),
    path("health/", include("gpfed.health.urls")),  # for load balancers: no sign-in, JSON
]

handler400 = "kernel.pages.bad_request"  # says what is wrong with a value in the address
