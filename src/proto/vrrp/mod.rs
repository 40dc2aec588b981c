//! VRRP (being written)
