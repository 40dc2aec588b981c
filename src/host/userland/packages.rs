//! The rpm database of a machine: which of the catalogue's packages ([`crate::proto::yum`]) are
//! installed. A ready-made host has every package; a CentOS 7 host starts with its minimal
//! install's and gains what `yum install` brings. A command of a package that is not installed
//! is not found, and a unit of one does not exist.

use crate::host::userland::os::Os;
use crate::proto::yum::catalog;

/// The installed packages.
#[derive(Clone, Debug)]
pub(crate) struct Packages {
    /// Every package (a ready-made host).
    every: bool,
    installed: Vec<&'static str>,
}

impl Packages {
    /// A fresh disk of `os`.
    pub(crate) fn fresh(os: Os) -> Packages {
        match os.spec().packages {
            None => Packages { every: true, installed: Vec::new() },
            Some(names) => Packages { every: false, installed: names.iter().filter_map(|n| catalog::find(n)).map(|p| p.name).collect() },
        }
    }

    /// A fresh disk of `os` on which the scenario installed the packages of the `enabled`
    /// units (their commands come with them).
    pub(crate) fn with_units(os: Os, enabled: &[String]) -> Packages {
        let mut packages = Packages::fresh(os);
        for name in enabled {
            if let Some(p) = catalog::providing_unit(name.strip_suffix(".service").unwrap_or(name)) {
                packages.add(p.name);
            }
        }
        packages
    }

    /// Whether every package is there whatever the disk holds (the ready-made host).
    pub(crate) fn has_every(&self) -> bool {
        self.every
    }

    /// Whether package `name` is installed.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.every || self.installed.contains(&name)
    }

    /// Whether command `name` is installed: it belongs to no package of the catalogue, or to
    /// an installed one.
    pub(crate) fn has_command(&self, name: &str) -> bool {
        catalog::providing_command(name).is_none_or(|p| self.has(p.name))
    }

    /// Whether the package of unit `name` is installed.
    pub(crate) fn has_unit(&self, name: &str) -> bool {
        catalog::providing_unit(name).is_some_and(|p| self.has(p.name))
    }

    /// rpm installed package `name`.
    pub(crate) fn add(&mut self, name: &'static str) {
        if !self.has(name) {
            self.installed.push(name);
        }
    }
}
