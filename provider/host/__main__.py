"""``python -u -m provider.host``: serve the dynamic-provider protocol (see ``provider.host``)."""

from provider.host.server import main

if __name__ == "__main__":
    main()
