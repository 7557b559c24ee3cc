# The constraints apart from the data migration before them: PostgreSQL cannot alter a table
# with the foreign key checks of that migration's updates still pending in one transaction.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_rolegrant_through"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="rolegrant",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("network__isnull", False), ("through__isnull", True)),
                    models.Q(("network__isnull", True), ("through__isnull", False)),
                    _connector="OR",
                ),
                name="role_grant_within_a_federation",
            ),
        ),
        migrations.AddConstraint(
            model_name="rolegrant",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("federation__isnull", True),
                    ("through", models.F("federation")),
                    _connector="OR",
                ),
                name="role_grant_federation_role_within_itself",
            ),
        ),
    ]
