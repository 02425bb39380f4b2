"""Minimal Django settings for django-downpage: the benchmark's templates, its page list
(the same JSON downpage reads, as DOWNPAGE_PAGES tuples), output into STATIC_ROOT.
The site-wide context (downpage's DOWNPAGE_CONTEXT) is merged into each page's context,
page values winning, as downpage does."""
import json
import os

SECRET_KEY = "benchmark-only"
DEBUG = False
USE_TZ = True
INSTALLED_APPS = ["downpage"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.environ["BENCH_TEMPLATES"]],
        "APP_DIRS": False,
    }
]
STATIC_ROOT = os.environ["BENCH_OUT"]

_site = json.loads(os.environ["BENCH_CONTEXT"])
with open(os.environ["BENCH_PAGES"], encoding="utf-8") as _f:
    DOWNPAGE_PAGES = [
        (p["dest"], p["template"], {**_site, **p["context"]}) for p in json.load(_f)
    ]
