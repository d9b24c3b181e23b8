"""`python -m nova.agents.blueprints NAME`: one resolved blueprint as JSON.

For provisioning tools on a host where only the package is installed (the
`nova_agent` role reads the resources and restart policy it puts in the unit).
"""

from __future__ import annotations

import json
import sys

from nova.agents.blueprints.catalogue import load
from nova.core.errors import NovaError


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m nova.agents.blueprints NAME", file=sys.stderr)
        return 2
    try:
        blueprint = load(argv[0])
    except NovaError as exc:
        print(f"nova: {exc}", file=sys.stderr)
        return exc.exit_code
    print(json.dumps(blueprint.to_dict(), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
