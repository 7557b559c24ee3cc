"""The scenario build form: per level the inputs, each one number or low / most likely / high,
the volume per 1,000 patients or last year's activity of the catalogue service, and the run.
``inputs()`` gives the scenario in the file's format; the service checks it whole."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from economics.engine import BLOCK, DEFAULT_DRAWS, PER_PATIENT, PER_UNIT
from economics.scenario import AGES, LAST_YEAR, MOST_AGE, PER_1000
from finance.models import Service
from registry.forms import NhsDateField

# (form name, path in the scenario file, legend, hint)
INPUTS = [
    (
        "volume",
        "volume_per_1000",
        "Units a year per 1,000 patients",
        "Per 1,000 registered patients, or per 1,000 in the ages chosen above.",
    ),
    (
        "income",
        "income_per_unit",
        "Income (£)",
        "Per unit, per registered patient a year, or the block a year, as chosen above.",
    ),
    (
        "practice_fixed",
        "levels.practice.fixed_per_year",
        "Fixed cost a year in each practice (£)",
        "What one practice would pay a year to run it alone, however much it does.",
    ),
    ("practice_unit", "levels.practice.cost_per_unit", "Cost per unit in a practice (£)", ""),
    (
        "pcn_fixed",
        "levels.pcn.fixed_per_year",
        "Fixed cost a year in each PCN (£)",
        "Shared by the PCN's member practices in proportion to their volume.",
    ),
    ("pcn_unit", "levels.pcn.cost_per_unit", "Cost per unit at a PCN (£)", ""),
    (
        "pcn_site",
        "levels.pcn.fixed_per_practice",
        "Cost a year for each practice the PCN serves (£, optional)",
        "Borne by each practice whatever its volume: travel to each surgery, a courier "
        "collection from each site. Leave empty for none.",
    ),
    (
        "federation_fixed",
        "levels.federation.fixed_per_year",
        "Fixed cost a year at the federation (£)",
        "Shared by every practice in proportion to its volume.",
    ),
    (
        "federation_unit",
        "levels.federation.cost_per_unit",
        "Cost per unit at the federation (£)",
        "",
    ),
    (
        "federation_site",
        "levels.federation.fixed_per_practice",
        "Cost a year for each practice the federation serves (£, optional)",
        "Borne by each practice whatever its volume: travel to each surgery, a courier "
        "collection from each site. Leave empty for none.",
    ),
    (
        "overhead",
        "levels.federation.overhead_percent",
        "Top-slice the federation keeps (% of income)",
        "",
    ),
]
SECTIONS = [
    ("Volume and income", ["volume", "income"]),
    ("Each practice alone", ["practice_fixed", "practice_unit"]),
    ("Each PCN for its practices", ["pcn_fixed", "pcn_unit", "pcn_site"]),
    (
        "The federation for all its practices",
        ["federation_fixed", "federation_unit", "federation_site", "overhead"],
    ),
]
# Inputs that may be left empty (none: 0).
OPTIONAL = {"pcn_site", "federation_site"}
ENDS = (("low", "Low"), ("mode", "Most likely"), ("high", "High"))
PATHS = {path: name for name, path, _, _ in INPUTS}
# The scenario file's other ways of giving the volume and income, and the form's fields.
PATHS |= {f"income.{basis}": "income" for basis in (PER_UNIT, PER_PATIENT, BLOCK)}
PATHS |= {"volume.per_1000": "volume", "volume.scale": "volume"}
OTHER_FIELDS = {
    "volume": "volume_basis",
    "volume.last_year": "volume_basis",
    "volume.ages": "ages_from",
    "volume.ages.from": "ages_from",
    "volume.ages.to": "ages_to",
    "income": "income_basis",
}


def field_for(path: str | None) -> str | None:
    """The form field a path into the scenario names (``levels.pcn.fixed_per_year.high`` is
    ``pcn_fixed_high``); None when the form has none."""
    if not path:
        return None
    if path in ("as_of", "unit", "draws", "seed"):
        return path
    if path in OTHER_FIELDS:
        return OTHER_FIELDS[path]
    base, _, end = path.rpartition(".")
    if end in ("low", "mode", "high") and base in PATHS:
        return f"{PATHS[base]}_{end}"
    return f"{PATHS[path]}_mode" if path in PATHS else None


class FigureField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 6)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        kwargs.setdefault("error_messages", {"invalid": "Enter a number, for example 1250.50"})
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("£", "").replace(",", "").replace("%", "").strip()
        return super().to_python(value)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class ScenarioForm(forms.Form):
    name = forms.CharField(label="Name of the scenario", max_length=200)
    service = forms.ModelChoiceField(
        label="Service in the catalogue (optional)",
        queryset=Service.objects.none(),
        required=False,
        empty_label="None: a new service",
    )
    as_of = NhsDateField(
        label="Practices and lists on",
        help_text="The federation's members on this day, each with its latest registered list "
        "on or before it. For example, 1/10/2026",
    )
    unit = forms.CharField(
        label="Unit of the service", max_length=200, help_text="For example, blood test"
    )
    volume_basis = forms.ChoiceField(
        label="Volume",
        widget=forms.RadioSelect,
        choices=[
            (PER_1000, "Units a year per 1,000 registered patients (below)"),
            (AGES, "Units a year per 1,000 patients in the ages below (from the lists by age)"),
            (LAST_YEAR, "Each practice's own activity of the catalogue service last year"),
        ],
        initial=PER_1000,
        help_text="A practice with no activity last year is given the federation's rate.",
    )
    ages_from = forms.IntegerField(
        label="Ages from (years)",
        min_value=0,
        max_value=MOST_AGE,
        required=False,
        help_text="For a volume per 1,000 patients in chosen ages. For example, 65",
    )
    ages_to = forms.IntegerField(
        label="Ages to (years, optional)",
        min_value=0,
        max_value=MOST_AGE,
        required=False,
        help_text="Leave empty for that age and over. The lists by age come in five-year bands "
        "(0 to 4, ..., 95 and over) or single years.",
    )
    income_basis = forms.ChoiceField(
        label="Income",
        widget=forms.RadioSelect,
        choices=[
            (PER_UNIT, "Per unit (below)"),
            (PER_PATIENT, "Per registered patient a year (below)"),
            (BLOCK, "A block a year for all the practices, shared by list (below)"),
        ],
        initial=PER_UNIT,
        required=False,
    )
    draws = forms.IntegerField(
        label="Runs",
        min_value=1,
        max_value=1_000_000,
        initial=DEFAULT_DRAWS,
        help_text="Monte Carlo runs when any figure is a range (10,000 is plenty).",
    )
    seed = forms.IntegerField(
        label="Seed",
        min_value=0,
        initial=1,
        help_text="The same seed gives the same results.",
    )
    note = forms.CharField(
        label="What changed in this version (optional)", max_length=300, required=False
    )

    def __init__(self, *args, federation, new: bool = True, service=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.federation = federation
        self.fixed_service = service  # a new version's: the scenario's service
        if new:
            self.fields["service"].queryset = Service.objects.filter(
                federation=federation, active=True
            )
        else:
            del self.fields["name"]
            del self.fields["service"]
        for name, _, legend, _ in INPUTS:
            for end, label in ENDS:
                self.fields[f"{name}_{end}"] = FigureField(
                    label=f"{legend}: {label.lower()}",
                    required=end == "mode" and name not in OPTIONAL,
                )
                self.fields[f"{name}_{end}"].error_messages["required"] = (
                    f"Enter the {legend[0].lower()}{legend[1:]}, or its most likely value"
                )

    def sections(self) -> list[dict]:
        """The inputs by section, each with its three fields, for the template."""
        by_name = {name: (legend, hint) for name, _, legend, hint in INPUTS}
        return [
            {
                "title": title,
                "inputs": [
                    {
                        "name": name,
                        "legend": by_name[name][0],
                        "hint": by_name[name][1],
                        "fields": [self[f"{name}_{end}"] for end, _ in ENDS],
                    }
                    for name in names
                ],
            }
            for title, names in SECTIONS
        ]

    def clean(self):
        data = super().clean()
        if data.get("volume_basis") == LAST_YEAR:
            for end, _ in ENDS:
                self.errors.pop(f"volume_{end}", None)
            if self.chosen_service() is None:
                self.add_error(
                    "volume_basis",
                    "Choose a service in the catalogue to take last year's activity from, or "
                    "give the units per 1,000 registered patients",
                )
        if data.get("volume_basis") == AGES and data.get("ages_from") is None:
            self.add_error("ages_from", "Enter the age the volume's patients start from")
        for name, _, legend, _ in INPUTS:
            low, mode, high = (data.get(f"{name}_{end}") for end, _ in ENDS)
            if name in OPTIONAL and mode is None and low is not None:
                self.add_error(
                    f"{name}_mode",
                    f"Enter the most likely {legend[0].lower()}{legend[1:]}, or leave all "
                    "three empty for none",
                )
            if (low is None) != (high is None):
                missing = "high" if high is None else "low"
                self.add_error(
                    f"{name}_{missing}",
                    f"Enter both the low and the high of {legend[0].lower()}{legend[1:]}, or "
                    "neither for one certain figure",
                )
        return data

    def _value(self, name: str):
        low, mode, high = (self.cleaned_data.get(f"{name}_{end}") for end, _ in ENDS)
        if low is None and high is None:
            return _number(mode)
        return {"low": _number(low), "mode": _number(mode), "high": _number(high)}

    def _optional(self, name: str, key: str) -> dict:
        """An optional input under its key in the file, or nothing when left empty."""
        if self.cleaned_data.get(f"{name}_mode") is None:
            return {}
        return {key: self._value(name)}

    def chosen_service(self):
        return self.cleaned_data.get("service") or self.fixed_service

    def _volume(self) -> dict:
        d = self.cleaned_data
        basis = d.get("volume_basis")
        if basis == LAST_YEAR:
            return {"volume": {"last_year": self.chosen_service().code}}
        if basis == AGES:
            ages = {"from": d["ages_from"]}
            if d.get("ages_to") is not None:
                ages["to"] = d["ages_to"]
            return {"volume": {"per_1000": self._value("volume"), "ages": ages}}
        return {"volume_per_1000": self._value("volume")}

    def _income(self) -> dict:
        basis = self.cleaned_data.get("income_basis") or PER_UNIT
        if basis == PER_UNIT:
            return {"income_per_unit": self._value("income")}
        return {"income": {basis: self._value("income")}}

    def inputs(self) -> dict:
        """The scenario in the file's format."""
        d = self.cleaned_data
        return {
            "federation": self.federation.slug,
            "as_of": d["as_of"].isoformat(),
            "unit": d["unit"],
            **self._volume(),
            **self._income(),
            "levels": {
                "practice": {
                    "fixed_per_year": self._value("practice_fixed"),
                    "cost_per_unit": self._value("practice_unit"),
                },
                "pcn": {
                    "fixed_per_year": self._value("pcn_fixed"),
                    "cost_per_unit": self._value("pcn_unit"),
                    **self._optional("pcn_site", "fixed_per_practice"),
                },
                "federation": {
                    "fixed_per_year": self._value("federation_fixed"),
                    "cost_per_unit": self._value("federation_unit"),
                    **self._optional("federation_site", "fixed_per_practice"),
                    "overhead_percent": self._value("overhead"),
                },
            },
            "draws": d["draws"],
            "seed": d["seed"],
        }


def initial_from_inputs(inputs: dict) -> dict:
    """A saved (or pre-filled) scenario as the form's initial values."""
    initial: dict = {}
    for key in ("unit", "draws", "seed"):
        if key in inputs:
            initial[key] = inputs[key]
    if "as_of" in inputs:
        day = inputs["as_of"]
        initial["as_of"] = f"{day[8:10]}/{day[5:7]}/{day[0:4]}"
    inputs = dict(inputs)
    volume = inputs.get("volume")
    if isinstance(volume, dict):
        if "last_year" in volume:
            initial["volume_basis"] = LAST_YEAR
        else:
            inputs["volume_per_1000"] = volume.get("per_1000")
            ages = volume.get("ages")
            if isinstance(ages, dict):
                initial |= {
                    "volume_basis": AGES,
                    "ages_from": ages.get("from"),
                    "ages_to": ages.get("to"),
                }
    income = inputs.get("income")
    if isinstance(income, dict) and len(income) == 1:
        basis, value = next(iter(income.items()))
        initial["income_basis"] = basis
        inputs["income_per_unit"] = value
    for name, path, _, _ in INPUTS:
        node = inputs
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            continue
        if isinstance(node, dict):
            for end, _ in ENDS:
                initial[f"{name}_{end}"] = node.get(end)
        else:
            initial[f"{name}_mode"] = node
    return initial
