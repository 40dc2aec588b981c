//! The file, one-to-one: what serde reads, permissive only in syntax. Every text that has a
//! meaning (times, addresses, names) stays a `String` here; `validate` gives it its meaning and
//! can then say exactly where it is wrong.
//!
//! Unknown fields are refused (`deny_unknown_fields`), so a typo is an error, not a silent default.

use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

/// `Scenario(…)`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Scenario", deny_unknown_fields)]
pub(crate) struct ScenarioFile {
    pub name: String,
    #[serde(default)]
    pub about: String,
    #[serde(default)]
    pub extends: Option<String>,
    #[serde(default)]
    pub seed: u64,
    pub duration: String,
    #[serde(default)]
    pub epoch: Option<String>,
    #[serde(default)]
    pub max_events: Option<u64>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub networks: IndexMap<String, NetworkFile>,
    #[serde(default)]
    pub hosts: IndexMap<String, HostFile>,
    #[serde(default)]
    pub clients: IndexMap<String, ClientsFile>,
    #[serde(default)]
    pub timeline: Vec<TimelineFile>,
    #[serde(default)]
    pub expect: Vec<ExpectFile>,
}

/// `Lab(…)`: a topology that scenarios extend.
#[derive(Debug, Deserialize)]
#[serde(rename = "Lab", deny_unknown_fields)]
pub(crate) struct LabFile {
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub networks: IndexMap<String, NetworkFile>,
    #[serde(default)]
    pub hosts: IndexMap<String, HostFile>,
    #[serde(default)]
    pub clients: IndexMap<String, ClientsFile>,
}

/// `Clients(count: 1000, network: "front", first: "172.2.20.11/24")`: a range of client hosts
/// named `NAME-1` … `NAME-COUNT` on consecutive addresses, one NIC each.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Clients", deny_unknown_fields)]
pub(crate) struct ClientsFile {
    pub count: u64,
    pub network: String,
    pub first: String,
    #[serde(default)]
    pub nic: Option<String>,
    #[serde(default)]
    pub gateway: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
}

/// `Network(cidr: "172.2.20.0/24", latency: "50us")`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Network", deny_unknown_fields)]
pub(crate) struct NetworkFile {
    pub cidr: String,
    #[serde(default)]
    pub latency: Option<String>,
}

/// `Host(nics: {…}, gateway: "…", files: {…}, enabled: […], os: "centos7")`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename = "Host", deny_unknown_fields)]
pub(crate) struct HostFile {
    #[serde(default)]
    pub nics: IndexMap<String, NicFile>,
    #[serde(default)]
    pub gateway: Option<String>,
    #[serde(default)]
    pub files: IndexMap<String, FileSource>,
    #[serde(default)]
    pub enabled: Option<Vec<String>>,
    #[serde(default)]
    pub os: Option<String>,
    /// `("MIN", "MAX")`: each daemon's start-up takes a seeded time in that range.
    #[serde(default)]
    pub startup_latency: Option<(String, String)>,
    #[serde(default)]
    pub cpus: Option<u32>,
    /// `Costs(…)`: the host's cost model is on.
    #[serde(default)]
    pub costs: Option<CostsFile>,
}

/// `Costs(httpd_request: "10ms", nginx_request: "5ms")`: every field optional, `CostSpec::DEFAULT`
/// when absent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename = "Costs", deny_unknown_fields)]
pub(crate) struct CostsFile {
    #[serde(default)]
    pub httpd_request: Option<String>,
    #[serde(default)]
    pub nginx_request: Option<String>,
}

/// A NIC: `("front", "172.2.20.101/24")`, `("front", "172.2.20.101/24", "00:0c:29:…")`, or
/// `Nic(network: "front", addr: "172.2.20.101/24", mac: "00:0c:29:…")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NicFile {
    pub network: String,
    pub addr: String,
    pub mac: Option<String>,
    /// Whether written as a tuple (positions of the parts are `[0]`, `[1]`, `[2]`) or as a
    /// struct (`network`, `addr`, `mac`).
    pub tuple: bool,
}

#[derive(Deserialize)]
#[serde(rename = "Nic", deny_unknown_fields)]
struct NicStruct {
    network: String,
    addr: String,
    #[serde(default)]
    mac: Option<String>,
}

impl<'de> Deserialize<'de> for NicFile {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NicVisitor)
    }
}

struct NicVisitor;

impl<'de> Visitor<'de> for NicVisitor {
    type Value = NicFile;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a NIC like (\"front\", \"172.2.20.101/24\") or Nic(network: …, addr: …, mac: …)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NicFile, A::Error> {
        let network: String = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let addr: String = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let mac: Option<String> = seq.next_element()?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(4, &self));
        }
        Ok(NicFile { network, addr, mac, tuple: true })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<NicFile, A::Error> {
        let nic = NicStruct::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(NicFile { network: nic.network, addr: nic.addr, mac: nic.mac, tuple: false })
    }
}

/// A file's contents: read from a path relative to the RON file, or given inline.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "FileContents")]
pub(crate) enum FileSource {
    File(String),
    Text(String),
}

/// One timeline entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "TimelineEntry")]
pub(crate) enum TimelineFile {
    /// `At("10s", "lb-1", "systemctl stop keepalived")`.
    At(String, String, String),
    /// `PowerOn("30s", "lb-1")`.
    PowerOn(String, String),
    /// `Users(at: "5s", for: "1h", clients: "load", dau: 100000, peak_share: 0.12, pages: 10,
    /// assets: 8, think: "30s", url: "http://172.2.20.100/")`: a user population.
    Users {
        at: String,
        #[serde(rename = "for")]
        for_: String,
        clients: String,
        dau: u64,
        peak_share: f64,
        pages: u32,
        assets: u32,
        think: String,
        url: String,
        #[serde(default)]
        asset: Option<String>,
        #[serde(default)]
        connections: Option<u32>,
        #[serde(default)]
        keepalive: Option<bool>,
        #[serde(default)]
        warm: Option<bool>,
    },
}

/// One expectation.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Expectation", deny_unknown_fields)]
pub(crate) enum ExpectFile {
    VipOwner {
        vip: String,
        #[serde(default)]
        host: Option<String>,
        #[serde(default)]
        hosts: Option<Vec<String>>,
        #[serde(default)]
        at: Option<String>,
        #[serde(default)]
        within: Option<(String, String)>,
    },
    PingLost {
        host: String,
        #[serde(default)]
        between: Option<(String, String)>,
        #[serde(default)]
        exactly: Option<u64>,
        #[serde(default)]
        at_most: Option<u64>,
        #[serde(default)]
        at_least: Option<u64>,
    },
    Log {
        host: String,
        contains: String,
        #[serde(default)]
        between: Option<(String, String)>,
        #[serde(default, alias = "count")]
        exactly: Option<u64>,
        #[serde(default)]
        at_most: Option<u64>,
        #[serde(default)]
        at_least: Option<u64>,
    },
    Output {
        host: String,
        at: String,
        contains: String,
    },
    Responses {
        host: String,
        #[serde(default)]
        between: Option<(String, String)>,
        sequence: Vec<String>,
    },
    HttpStatus {
        host: String,
        #[serde(default)]
        between: Option<(String, String)>,
        status: u16,
        #[serde(default)]
        exactly: Option<u64>,
        #[serde(default)]
        at_most: Option<u64>,
        #[serde(default)]
        at_least: Option<u64>,
    },
    HttpErrors {
        host: String,
        #[serde(default)]
        between: Option<(String, String)>,
        #[serde(default)]
        exactly: Option<u64>,
        #[serde(default)]
        at_most: Option<u64>,
        #[serde(default)]
        at_least: Option<u64>,
    },
    Changed {
        host: String,
        url: String,
        since: String,
        contains: String,
        within: String,
    },
    Capacity {
        #[serde(default)]
        between: Option<(String, String)>,
        #[serde(default)]
        max_p99: Option<String>,
        #[serde(default)]
        max_errors: Option<u64>,
        #[serde(default)]
        min_requests: Option<u64>,
    },
    Latency {
        host: String,
        #[serde(default)]
        between: Option<(String, String)>,
        #[serde(default)]
        at_most: Option<String>,
        #[serde(default)]
        at_least: Option<String>,
    },
}
