"""The one place that talks to Ansible: ansible-runner, named inventories, extra vars."""
