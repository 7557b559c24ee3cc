"""Every page, with any value in its web address, answers without a server error.

For each URL pattern outside the JSON API, Hypothesis chooses the path's values (the world's
real ids, or ids and text that name nothing) and the query parameters that page's views read
(found in their source: ``request.GET`` and the forms bound to it), with values that are
nearly right for their kind (months, weeks and dates at and past the years gpfed works with,
huge and negative numbers) or anything at all. Signed in as an installation superuser and as
a federation's administrator, every answer must be below 500: a value a page cannot use is a
400 page, a form error or a 404, never a crash.
"""

import inspect
import re
from functools import cache

import pytest
from django import forms
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter
from hypothesis import example, given, reject
from hypothesis import strategies as st

from tests.accounts.test_permission_matrix import RULES
from tests.conftest import sign_in_verified
from tests.fuzz.conftest import ACTORS, EDGES, REAL, fuzz_settings, value_for

pytestmark = pytest.mark.django_db

READS = [
    re.compile(r"request\.GET(?:\.get|\.getlist)?\(\s*[\"'](\w+)[\"']"),
    re.compile(r"request\.GET\[\s*[\"'](\w+)[\"']"),
]
BOUND_FORM = re.compile(r"([\w.]+)\(\s*request\.GET\b")
EVERYWHERE = ["page", "next"]  # what any page might be given by a link or a person


def patterns(resolver=None, namespace=None):
    """(name, pattern) for every named URL pattern."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from patterns(entry, full)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


@cache
def query_names(module_name: str) -> tuple[tuple[str, str], ...]:
    """The query parameters the views of a module read, and the fields of the forms they bind
    to the query, each with its kind: a date field of a form is a "day"; any other parameter
    is known by its name."""
    import importlib

    module = importlib.import_module(module_name)
    source = inspect.getsource(module)
    names = {n: n for read in READS for n in read.findall(source)}
    for dotted in BOUND_FORM.findall(source):
        found = module
        for part in dotted.split("."):
            found = getattr(found, part, None)
        if isinstance(found, type) and hasattr(found, "base_fields"):
            for name, field in found.base_fields.items():
                names[name] = "day" if isinstance(field, forms.DateField) else name
    return tuple(sorted(names.items()))


def path_values(pattern: URLPattern, real: dict) -> st.SearchStrategy[dict]:
    """The real ids the matrix uses, or each replaced by a value its converter accepts."""
    converters = getattr(pattern.pattern, "converters", {})
    fuzzed = {}
    for key, converter in converters.items():
        if isinstance(converter, IntConverter):
            fuzzed[key] = st.integers(0, 10**25)
        elif isinstance(converter, SlugConverter):
            fuzzed[key] = REAL | st.from_regex(r"[-a-zA-Z0-9_]{1,30}", fullmatch=True)
        else:
            fuzzed[key] = value_for(key).filter(lambda v: v and "/" not in v)
    fixed = {k: st.just(v) for k, v in real.items() if k not in converters}
    return st.one_of(
        st.just(real),
        st.fixed_dictionaries({**fixed, **fuzzed}),
        # one of them wrong at a time, the others real
        *(
            st.fixed_dictionaries({**{k: st.just(v) for k, v in real.items()}, key: value})
            for key, value in fuzzed.items()
        ),
    )


def queries(names) -> st.SearchStrategy[dict]:
    names = sorted({**{n: n for n in EVERYWHERE}, **dict(names)}.items())
    return st.fixed_dictionaries(
        {}, optional={n: value_for(k) | st.lists(value_for(k), max_size=2) for n, k in names}
    )


def pages(world):
    """(name, pattern, real path values) for every page the matrix reads with GET."""
    found = dict(patterns())
    for name, (method, kwargs, _data, _expect) in RULES.items():
        if method != "get" or name.startswith("api:") or name not in found:
            continue  # the API has its own fuzz, from its schema
        if name == "health:ready":
            continue  # 503 by design while a check fails (no worker here); reads no parameter
        yield name, found[name], kwargs(world) if callable(kwargs) else kwargs


def fuzz_page(client, name: str, pattern: URLPattern, real: dict) -> str | None:
    """None if no value Hypothesis tries gives a server error; otherwise what did."""
    module = getattr(pattern.callback, "view_class", pattern.callback).__module__
    names = query_names(module)

    @fuzz_settings()
    @given(kwargs=path_values(pattern, real), query=queries(names))
    def answers(kwargs, query):
        try:
            url = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            reject()
        with transaction.atomic():
            try:
                response = client.get(url, query)
            except Exception as error:
                raise AssertionError(f"GET {url} {query!r} raised {error!r}") from error
            finally:
                transaction.set_rollback(True)
        assert response.status_code < 500, f"GET {url} {query!r}: {response.status_code}"

    for edge in EDGES:
        query = {n: edge[kind] for n, kind in names if kind in edge}
        kwargs = {k: edge.get(k, v) for k, v in real.items()}
        if query or kwargs != real:
            answers = example(kwargs=kwargs, query=query)(answers)
    try:
        answers()
    except Exception as error:  # one failure, or a group of distinct ones
        found = error.exceptions if isinstance(error, ExceptionGroup) else [error]
        return "\n".join(str(e).splitlines()[0] for e in found)
    return None


@pytest.mark.parametrize("actor", ACTORS)
def test_no_page_answers_a_server_error_for_any_value_in_its_address(world, actor):
    client = sign_in_verified(Client(), world["users"][actor])
    wrong = [
        e for name, pattern, real in pages(world) if (e := fuzz_page(client, name, pattern, real))
    ]
    assert not wrong, "\n".join(wrong)
    assert client.get("/").status_code == 200  # still signed in: every page was reached
