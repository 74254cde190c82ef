"""`python -m cvihub_registry.audit verify --database-url URL`: the offline audit check."""

from cvihub_registry.audit.cli import main

raise SystemExit(main())
