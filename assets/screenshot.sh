#!/usr/bin/env bash
# Re-draws assets/tui.png, the README's screenshot of the terminal UI, from a real capture: runs
# `labsim run scenarios/failover.ron --tui` in a 120×40 tmux pane (a tmux server of its own),
# pauses, jumps to 12.5 s (lb-2 holds the VIP since lb-1's keepalived stopped, the six lost
# pings marked), selects lb-2 (its console shows the VIP on its interface), captures the pane
# with its colours (`tmux capture-pane -e -p`) and renders that to a PNG (assets/ansi_to_png.py).
#
# A maintainer's tool, not run by CI. Needs tmux, Python 3 with Pillow (`pip install pillow`, or
# `apt-get install -y python3-pil`) and the DejaVu Sans Mono fonts (`fonts-dejavu-core`).
# Usage, from anywhere in the clone: assets/screenshot.sh
set -euo pipefail

cd "$(dirname "$0")/.."
cargo build --release --locked --quiet

socket="labsim-screenshot-$$"
tmux_() { tmux -L "$socket" "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true' EXIT

# Waits (up to about 20 s, in tries of 0.1 s) until the pane shows the text `$1`.
wait_for() {
    for _ in $(seq 200); do
        if tmux_ capture-pane -p -t shot | grep -qF -- "$1"; then
            return 0
        fi
        sleep 0.1
    done
    echo "screenshot.sh: the pane never showed \`$1\`:" >&2
    tmux_ capture-pane -p -t shot >&2
    exit 1
}

# NO_COLOR unset: the screenshot shows the default colours.
tmux_ new-session -d -s shot -x 120 -y 40 "env -u NO_COLOR target/release/labsim run scenarios/failover.ron --tui; sleep 60"
wait_for " labsim  failover  "
tmux_ send-keys -t shot Space
wait_for "  paused  seed 1"
tmux_ send-keys -t shot g 12.5s Enter j
wait_for "12.500s / 40.000s  paused"
wait_for "┌ Console lb-2 "

capture="$(mktemp)"
trap 'tmux_ kill-server 2>/dev/null || true; rm -f "$capture"' EXIT
tmux_ capture-pane -e -p -t shot >"$capture"
tmux_ send-keys -t shot q
python3 assets/ansi_to_png.py "$capture" assets/tui.png
echo "wrote assets/tui.png"
