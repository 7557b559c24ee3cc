import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_auditevent_federation"),
        ("registry", "0004_network_networkmembership"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="network",
            field=models.ForeignKey(
                blank=True,
                help_text="The network whose administrators may read this event.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="registry.network",
            ),
        ),
    ]
