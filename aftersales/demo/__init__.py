"""Demo data for the workbench: ``python manage.py load_demo``."""
