"""An income line accrued from a contract names the contract's funded service it was accrued
from, and a contract's service is accrued once a month (issue 12: two people pressing Accrue at
once accrued every line twice).

Lines accrued before this migration are recognised by naming a contract (only Accrue contract
income sets one). Where a month holds two lines for the same contract and service (the double
accrual), the first is marked as the accrual and the other stays an ordinary line, so the
migration runs on any existing data; the month's page still shows both, and an unposted extra
line can be removed there.
"""

import django.db.models.deletion
from django.db import migrations, models


def mark_accrued_lines(apps, schema_editor):
    IncomeEntry = apps.get_model("finance", "IncomeEntry")
    ContractService = apps.get_model("finance", "ContractService")
    links = {
        (contract, service): pk
        for pk, contract, service in ContractService.objects.values_list(
            "pk", "contract_id", "service_id"
        )
    }
    first: dict[tuple[int, object], int] = {}
    for pk, contract, service, month in (
        IncomeEntry.objects.filter(contract__isnull=False, service__isnull=False)
        .order_by("pk")
        .values_list("pk", "contract_id", "service_id", "month")
    ):
        link = links.get((contract, service))
        if link is not None:
            first.setdefault((link, month), pk)
    by_link: dict[int, list[int]] = {}
    for (link, _month), pk in first.items():
        by_link.setdefault(link, []).append(pk)
    for link, pks in by_link.items():
        IncomeEntry.objects.filter(pk__in=pks).update(accrued_from_id=link)


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0002_activity_uploads"),
    ]

    operations = [
        migrations.AddField(
            model_name="incomeentry",
            name="accrued_from",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="The contract's funded service Accrue contract income made this line from. Set once and never changed (the line may later be marked received or re-described), so each contract's service is accrued at most once a month.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="accruals",
                to="finance.contractservice",
            ),
        ),
        # the constraint before the lines are marked: PostgreSQL cannot build an index on a
        # table with updates still to check in the same transaction
        migrations.AddConstraint(
            model_name="incomeentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("accrued_from__isnull", False)),
                fields=("accrued_from", "month"),
                name="income_accrued_once_a_month",
            ),
        ),
        migrations.RunPython(mark_accrued_lines, migrations.RunPython.noop, elidable=True),
    ]
