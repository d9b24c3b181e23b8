"""VPN plans and live VPN state for an inventory.

`plan` renders the rollout of the wireguard or openvpn role from the
inventory and the role's own defaults; `status` reads the tunnels' live state
from the hosts through the runner.
"""
