//! mount.nfs core (todo)
