"""Factories for finance: services, contracts, activity, income and posted settlements.

Posted rows (Settlement, SettlementLine, SettlementRow) are immutable once saved, so the
factories give figures that already reconcile (income = paid + kept; income = net + costs +
overhead). Tests of the money itself should go through ``finance.services`` as the finance tests
do; these are for the rows a test needs around it.
"""

import hashlib
from datetime import date
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from finance.models import (
    Activity,
    ActivityUpload,
    Contract,
    ContractDocument,
    ContractKPI,
    ContractService,
    FinanceSettings,
    IncomeEntry,
    IncomeShare,
    PcnFigures,
    Rule,
    Service,
    ServiceParticipation,
    Settlement,
    SettlementLine,
    SettlementRow,
    Subcontract,
)
from tests.factories.registry import (
    CommissionerFactory,
    FederationFactory,
    PCNFactory,
    PracticeFactory,
)


class FinanceSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinanceSettings
        django_get_or_create = ("federation",)

    federation = factory.SubFactory(FederationFactory)
    overhead_percent = Decimal(5)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    federation = factory.SubFactory(FederationFactory)
    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Test service {n}")
    unit = "appointment"


class ServiceParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceParticipation

    service = factory.SubFactory(ServiceFactory)
    practice = factory.SubFactory(PracticeFactory)
    start_date = date(2025, 4, 1)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    federation = factory.SubFactory(FederationFactory)
    commissioner = factory.SubFactory(CommissionerFactory)
    reference = factory.Sequence(lambda n: f"CON-{n:04d}")
    title = factory.Sequence(lambda n: f"Test contract {n}")
    start_date = date(2025, 4, 1)
    basis = Contract.Basis.BLOCK
    block_annual_pence = 120_000_00


class ContractServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractService

    contract = factory.SubFactory(ContractFactory)
    service = factory.SubFactory(
        ServiceFactory, federation=factory.SelfAttribute("..contract.federation")
    )


class ContractKPIFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractKPI

    contract = factory.SubFactory(ContractFactory)
    name = factory.Sequence(lambda n: f"Indicator {n}")
    target = "95%"


class SubcontractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subcontract

    contract = factory.SubFactory(ContractFactory)
    practice = factory.SubFactory(PracticeFactory)
    share_percent = Decimal(10)


class ContractDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractDocument

    contract = factory.SubFactory(ContractFactory)
    title = "Signed contract"
    file_name = "contract.pdf"
    content_type = "application/pdf"
    file = factory.LazyAttribute(lambda o: ContentFile(b"%PDF-1.4\n%%EOF\n", name=o.file_name))
    size = 15
    sha256 = hashlib.sha256(b"%PDF-1.4\n%%EOF\n").hexdigest()


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    service = factory.SubFactory(ServiceFactory)
    federation = factory.SelfAttribute("service.federation")
    practice = factory.SubFactory(PracticeFactory)
    month = date(2026, 10, 1)
    units = 100


class ActivityUploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityUpload

    federation = factory.SubFactory(FederationFactory)
    file_name = "activity.csv"
    upload = b"practice,service,month,units\n"
    size = factory.LazyAttribute(lambda o: len(o.upload))


class IncomeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncomeEntry

    federation = factory.SubFactory(FederationFactory)
    month = date(2026, 10, 1)
    description = factory.Sequence(lambda n: f"Income {n}")
    amount_pence = 10_000_00
    rule = Rule.REGISTERED


class IncomeShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncomeShare

    entry = factory.SubFactory(IncomeEntryFactory)
    practice = factory.SubFactory(PracticeFactory)
    value = Decimal(1)


class SettlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Settlement

    federation = factory.SubFactory(FederationFactory)
    month = date(2026, 10, 1)
    reference = factory.Sequence(lambda n: f"SET-{n:04d}")
    overhead_percent = Decimal(5)
    income_pence = 10_000_00
    overhead_pence = 500_00
    costs_pence = 0
    paid_pence = 9_500_00
    kept_pence = factory.LazyAttribute(lambda o: o.income_pence - o.paid_pence)
    fingerprint = factory.Sequence(lambda n: hashlib.sha256(f"settlement-{n}".encode()).hexdigest())
    posted_at = factory.LazyFunction(timezone.now)


class SettlementLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SettlementLine

    settlement = factory.SubFactory(SettlementFactory)
    entry = factory.SubFactory(
        IncomeEntryFactory,
        federation=factory.SelfAttribute("..settlement.federation"),
        month=factory.SelfAttribute("..settlement.month"),
    )
    description = factory.SelfAttribute("entry.description")
    status = IncomeEntry.Status.RECEIVED
    rule = Rule.REGISTERED
    gross_pence = 10_000_00
    overhead_pence = 500_00
    costs_pence = 0
    paid_pence = 9_500_00
    kept_pence = factory.LazyAttribute(lambda o: o.gross_pence - o.paid_pence)


class SettlementRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SettlementRow

    settlement = factory.SubFactory(SettlementFactory)
    federation = factory.SelfAttribute("settlement.federation")
    month = factory.SelfAttribute("settlement.month")
    practice = factory.SubFactory(PracticeFactory)
    income_pence = 1_000_00
    costs_pence = 0
    overhead_pence = 50_00
    net_pence = factory.LazyAttribute(lambda o: o.income_pence - o.costs_pence - o.overhead_pence)
    alone_cost_pence = 0


class PcnFiguresFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PcnFigures

    pcn = factory.SubFactory(PCNFactory)
    financial_year = 2026
    care_home_beds = 40
    iif_points = Decimal(100)
    source = "test"
