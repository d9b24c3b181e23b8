#!/usr/bin/env python3
"""Inventory script for the sandbox: reads the hosts `nova sandbox up` wrote.

`nova sandbox up` writes $NOVA_HOME/inventories/sandbox/hosts.json (default
NOVA_HOME is ~/.nova). This script turns it into Ansible's script inventory
format, so `ansible-playbook -i inventories/sandbox ...` works from a clone.
"""

import json
import os
import sys
from pathlib import Path


def load() -> dict:
    home = Path(os.environ.get("NOVA_HOME", Path.home() / ".nova")).expanduser()
    path = home / "inventories" / "sandbox" / "hosts.json"
    if not path.is_file():
        sys.stderr.write(f"no sandbox hosts at {path}; run `nova sandbox up`\n")
        return {"_meta": {"hostvars": {}}}
    data = json.loads(path.read_text(encoding="utf-8"))
    groups: dict = {"_meta": {"hostvars": {}}}
    for group, body in data.get("groups", {}).items():
        groups[group] = {"hosts": sorted(body.get("hosts", [])), "vars": body.get("vars", {})}
    groups["_meta"]["hostvars"] = data.get("hostvars", {})
    return groups


if __name__ == "__main__":
    inventory = load()
    if len(sys.argv) > 2 and sys.argv[1] == "--host":
        print(json.dumps(inventory["_meta"]["hostvars"].get(sys.argv[2], {})))
    else:
        print(json.dumps(inventory))
