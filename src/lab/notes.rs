//! What the daemons of a scenario's hosts would say about their configuration files when they
//! start, for `labsim check`: each host's disk is prepared as a run prepares it (the scenario's
//! files, then the packages of its services), and each installed daemon reads its configuration
//! as it does at start: keepalived's messages (`Unknown keyword`, a keyword labsim does not
//! model), nginx's `[warn]`s or the `[emerg]` that would stop it.

use std::path::PathBuf;

use crate::host::{Host, HostConfig};
use crate::kernel::{Calendar, SimRng};
use crate::scenario::Scenario;

/// One message of a daemon about its configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConfigNote {
    /// The host.
    pub host: String,
    /// The configuration file on the host.
    pub path: String,
    /// Its line (0 when the message is not tied to one).
    pub line: usize,
    /// The line the daemon prints (keepalived's log line without its pid, nginx's stderr line).
    pub text: String,
    /// The file of the scenario the host's file was read from, if any.
    pub source: Option<PathBuf>,
}

/// Every host's daemons' messages, hosts in scenario order, daemons in unit-table order.
pub(crate) fn config_notes(scenario: &Scenario) -> Vec<ConfigNote> {
    let mut notes = Vec::new();
    for spec in &scenario.hosts {
        let cfg = HostConfig {
            name: spec.name.clone(),
            nics: Vec::new(),
            gateway: None,
            files: spec.files.iter().map(|f| (f.path.clone(), f.contents.clone())).collect(),
            enabled: spec.enabled.clone(),
            os: spec.os,
            startup_latency: None,
            cpus: spec.cpus,
            costs: None,
        };
        let host = Host::new(cfg, SimRng::new(scenario.seed), Calendar::new(scenario.epoch_unix_s));
        for (path, line, text) in host.config_notes() {
            let source = spec.files.iter().find(|f| f.path == path).and_then(|f| f.source.clone());
            notes.push(ConfigNote { host: spec.name.clone(), path, line, text, source });
        }
    }
    notes
}
