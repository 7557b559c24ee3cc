from django.urls import path

from governance import board_views, interest_views, register_views, views

app_name = "governance"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.home, name="home"),
    path("<slug:slug>/articles/", views.articles, name="articles"),
    path("<slug:slug>/members/", views.register, name="register"),
    path("<slug:slug>/members.csv", views.register_csv, name="register_csv"),
    path("<slug:slug>/members/<str:code>/", views.member_edit, name="member"),
    path("<slug:slug>/shares/", views.shares, name="shares"),
    path("<slug:slug>/shares/apply/", views.shares_apply, name="shares_apply"),
    path("<slug:slug>/resolutions/new/", views.resolution_new, name="resolution_new"),
    path("resolutions/<int:pk>/", views.resolution, name="resolution"),
    path("resolutions/<int:pk>/vote/", views.vote, name="vote"),
    path("resolutions/<int:pk>/paper/", views.paper_vote, name="paper_vote"),
    # the board, its committees and meetings
    path("<slug:slug>/bodies/", board_views.bodies, name="bodies"),
    path("<slug:slug>/bodies/new/", board_views.body_new, name="body_new"),
    path("bodies/<int:pk>/", board_views.body, name="body"),
    path("bodies/<int:pk>/seats/new/", board_views.seat_new, name="seat_new"),
    path("bodies/<int:pk>/seats/fill/", board_views.seats_fill, name="seats_fill"),
    path("bodies/<int:pk>/meetings/new/", board_views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", board_views.meeting, name="meeting"),
    path("meetings/<int:pk>/items/new/", board_views.item_new, name="item_new"),
    path("meetings/<int:pk>/attendance/", board_views.attendance, name="attendance"),
    path("meetings/<int:pk>/declare/", board_views.declare, name="declare"),
    path("meetings/<int:pk>/minutes/", board_views.minutes, name="minutes"),
    path("meetings/<int:pk>/decisions/new/", board_views.decision_new, name="decision_new"),
    path("meetings/<int:pk>/actions/new/", board_views.action_new, name="action_new"),
    path("meetings/<int:pk>/invite/", board_views.invite, name="invite"),
    path("meetings/<int:pk>/pack.pdf", board_views.pack, name="pack"),
    path("minutes/<int:pk>/approve/", board_views.minutes_approve, name="minutes_approve"),
    path("actions/<int:pk>/", board_views.action_edit, name="action"),
    path("items/<int:pk>/resolution/", board_views.board_resolution_new, name="board_resolution"),
    path("board-resolutions/<int:pk>/vote/", board_views.board_vote, name="board_vote"),
    # the register of interests
    path("<slug:slug>/interests/", interest_views.register, name="interests"),
    path("<slug:slug>/interests.csv", interest_views.register_csv, name="interests_csv"),
    path("<slug:slug>/interests/declare/", interest_views.interest_new, name="interest_new"),
    path("<slug:slug>/interests/round/", interest_views.round_new, name="round_new"),
    path("<slug:slug>/interests/return/", interest_views.interest_return, name="interest_return"),
    path("interests/<int:pk>/end/", interest_views.interest_end, name="interest_end"),
    # the gifts and hospitality register
    path("<slug:slug>/gifts/", register_views.gift_register, name="gifts"),
    path("<slug:slug>/gifts.csv", register_views.gift_csv, name="gifts_csv"),
    path("<slug:slug>/gifts/new/", register_views.gift_new, name="gift_new"),
    path("<slug:slug>/gifts/thresholds/", register_views.gift_thresholds, name="gift_thresholds"),
    # the risk register
    path("<slug:slug>/risks/", register_views.risk_register, name="risks"),
    path("<slug:slug>/risks/new/", register_views.risk_new, name="risk_new"),
    path("risks/<int:pk>/", register_views.risk, name="risk"),
    path("risks/<int:pk>/edit/", register_views.risk_edit, name="risk_edit"),
    path("risks/<int:pk>/review/", register_views.risk_review, name="risk_review"),
    path("meetings/<int:pk>/risks/", register_views.risk_cite, name="risk_cite"),
]
