"""django-downpage driven as its README says: settings with DOWNPAGE_PAGES and STATIC_ROOT,
then `manage.py downpagegenerate`. The benchmark passes the workload through BENCH_* variables."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
