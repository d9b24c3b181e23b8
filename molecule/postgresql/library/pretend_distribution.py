#!/usr/bin/python3
"""Report Ubuntu 24.04 as the host's distribution, for check_ubuntu.yml only.

Only Debian 12 containers can be built here; this lets a check-mode run take
the role's Ubuntu branch (vars/Ubuntu.yml, pgvector) on one of them.
"""

from ansible.module_utils.basic import AnsibleModule  # type: ignore[import-untyped]


def main() -> None:
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    module.exit_json(
        changed=False,
        ansible_facts={
            "ansible_distribution": "Ubuntu",
            "ansible_distribution_version": "24.04",
            "ansible_distribution_major_version": "24",
            "ansible_distribution_release": "noble",
        },
    )


if __name__ == "__main__":
    main()
