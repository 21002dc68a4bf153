#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aop.settings")
    # Commands run by hand are development unless told otherwise (docker-compose sets DEBUG=0); the web
    # and worker processes (aop/wsgi.py, Celery) keep failing loudly without a production environment.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
