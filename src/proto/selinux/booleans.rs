//! Policy booleans: the ones labsim models with the targeted policy's defaults, their values,
//! and the local store `setsebool -P` writes.
//!
//! The real policy has some three hundred booleans; labsim models the httpd ones that decide
//! what the lab's web servers and balancers may do (`gen_tunable` in selinux-policy's
//! `policy/modules/contrib/apache.te`, every one `false` by default). Only `httpd_use_nfs` is
//! enforced ([`super::policy`]); the others are listed and can be set.
//!
//! `setsebool -P` commits through libsemanage, which keeps the locally changed booleans in the
//! policy store and rebuilds the policy with them, so they hold from the next boot on. labsim
//! keeps that store as the file libsemanage writes on CentOS 7, [`STORE`], one `name=value`
//! line per boolean, and the kernel reads it at boot.

use std::collections::BTreeMap;

/// The booleans modelled, with their defaults, sorted by name as `getsebool -a` lists them.
pub(crate) const DEFAULTS: &[(&str, bool)] = &[
    ("httpd_can_network_connect", false),
    ("httpd_can_network_connect_db", false),
    ("httpd_can_network_relay", false),
    ("httpd_use_cifs", false),
    ("httpd_use_nfs", false),
];

/// The policy store's local booleans (libsemanage's `booleans.local` in the active store).
pub(crate) const STORE: &str = "/etc/selinux/targeted/active/booleans.local";

/// The values of the modelled booleans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Booleans(BTreeMap<&'static str, bool>);

impl Default for Booleans {
    fn default() -> Self {
        Booleans(DEFAULTS.iter().copied().collect())
    }
}

impl Booleans {
    /// The defaults with the store's values over them (unknown names and bad lines are skipped).
    pub(crate) fn with_store(store: &str) -> Booleans {
        let mut b = Booleans::default();
        for (name, value) in store.lines().filter_map(|l| l.split_once('=')) {
            if let (Some(value), Some(slot)) = (parse_value(value.trim()), b.0.get_mut(name.trim())) {
                *slot = value;
            }
        }
        b
    }

    /// The value of `name`, if it is a boolean labsim knows.
    pub(crate) fn get(&self, name: &str) -> Option<bool> {
        self.0.get(name).copied()
    }

    /// Sets a known boolean; false if there is no such boolean.
    pub(crate) fn set(&mut self, name: &str, value: bool) -> bool {
        self.0.get_mut(name).map(|slot| *slot = value).is_some()
    }

    /// Every boolean with its value, by name.
    pub(crate) fn all(&self) -> impl Iterator<Item = (&'static str, bool)> + '_ {
        self.0.iter().map(|(n, v)| (*n, *v))
    }

    /// The store's text for the booleans that differ from their defaults.
    pub(crate) fn store_text(&self) -> String {
        let defaults = Booleans::default();
        self.all().filter(|(n, v)| defaults.get(n) != Some(*v)).map(|(n, v)| format!("{n}={}\n", u8::from(v))).collect()
    }
}

/// A boolean's value as `setsebool` takes it (policycoreutils `setsebool.c`): `1`/`0`, or
/// `true`/`false`, `on`/`off` in any case.
pub(crate) fn parse_value(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "on" => Some(true),
        "0" | "false" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_sorted_and_off() {
        assert!(DEFAULTS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(Booleans::default().get("httpd_use_nfs"), Some(false));
    }

    #[test]
    fn the_store_round_trips_what_differs_from_the_defaults() {
        let mut b = Booleans::default();
        assert!(b.set("httpd_use_nfs", true));
        assert!(!b.set("nosuch", true));
        assert_eq!(b.store_text(), "httpd_use_nfs=1\n");
        assert_eq!(Booleans::with_store(&b.store_text()), b);
        assert_eq!(Booleans::with_store("garbage\nnosuch=1\nhttpd_use_nfs=maybe\n"), Booleans::default());
    }
}
