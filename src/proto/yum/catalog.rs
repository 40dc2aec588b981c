//! The packages labsim knows, as CentOS 7.9's DVD and EPEL 7 ship them: their NEVRAs, sizes and
//! dependencies (the capability yum resolves, and the package providing it), and what each
//! brings to a host (systemd units, commands). Versions from spec-centos7-windows §2.5; the
//! dependency capabilities from the packages' `rpm -qR`; sizes are the DVD's `yum info` figures
//! (the spec marks them illustrative).

/// Where a package comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The CentOS 7 DVD (or the `base` mirror).
    Dvd,
    /// EPEL 7.
    Epel,
}

/// One package.
#[derive(Debug)]
pub(crate) struct Package {
    pub(crate) name: &'static str,
    pub(crate) arch: &'static str,
    pub(crate) epoch: u32,
    /// `VERSION-RELEASE`.
    pub(crate) version: &'static str,
    pub(crate) source: Source,
    /// Download size, bytes.
    pub(crate) size: u64,
    /// Installed size, bytes.
    pub(crate) installed: u64,
    /// What it requires that yum resolves to another package: (capability, package).
    pub(crate) requires: &'static [(&'static str, &'static str)],
    /// The systemd units it installs.
    pub(crate) units: &'static [&'static str],
    /// The console commands it installs.
    pub(crate) commands: &'static [&'static str],
}

impl Package {
    /// `name-version.arch`, with `epoch:` before the name when non-zero (yum's `for package:`
    /// and `Installing :` form).
    pub(crate) fn nevra(&self) -> String {
        match self.epoch {
            0 => format!("{}-{}.{}", self.name, self.version, self.arch),
            e => format!("{e}:{}-{}.{}", self.name, self.version, self.arch),
        }
    }

    /// `epoch:version-release` with the epoch always shown (`0:1.3.5-19.el7`).
    pub(crate) fn evr(&self) -> String {
        format!("{}:{}", self.epoch, self.version)
    }

    /// The version column of yum's table: the epoch only when non-zero.
    pub(crate) fn shown_version(&self) -> String {
        match self.epoch {
            0 => self.version.to_owned(),
            e => format!("{e}:{}", self.version),
        }
    }
}

const K: u64 = 1024;

macro_rules! pkg {
    ($name:literal, $arch:literal, $epoch:literal, $ver:literal, $src:ident, $size:expr, $inst:expr, [$(($cap:literal, $dep:literal)),*], [$($unit:literal),*], [$($cmd:literal),*]) => {
        Package {
            name: $name,
            arch: $arch,
            epoch: $epoch,
            version: $ver,
            source: Source::$src,
            size: $size,
            installed: $inst,
            requires: &[$(($cap, $dep)),*],
            units: &[$($unit),*],
            commands: &[$($cmd),*],
        }
    };
}

/// Every package, by name.
pub(crate) const PACKAGES: &[Package] = &[
    pkg!("apr", "x86_64", 0, "1.4.8-7.el7", Dvd, 104 * K, 221 * K, [], [], []),
    pkg!("apr-util", "x86_64", 0, "1.5.2-6.el7", Dvd, 92 * K, 198 * K, [("libapr-1.so.0()(64bit)", "apr")], [], []),
    pkg!("audit", "x86_64", 0, "2.8.5-4.el7", Dvd, 256 * K, 646 * K, [], [], ["ausearch"]),
    pkg!("firewalld", "noarch", 0, "0.6.3-13.el7_9", Dvd, 449 * K, 2_263 * K, [], ["firewalld"], ["firewall-cmd"]),
    pkg!("gperftools-libs", "x86_64", 0, "2.6.1-1.el7", Dvd, 272 * K, 799 * K, [], [], []),
    pkg!("gssproxy", "x86_64", 0, "0.7.0-30.el7_9", Dvd, 111 * K, 289 * K, [("libini_config.so.3()(64bit)", "libini_config")], [], []),
    pkg!(
        "httpd",
        "x86_64",
        0,
        "2.4.6-95.el7.centos",
        Dvd,
        2_780 * K,
        9_821 * K,
        [
            ("/etc/mime.types", "mailcap"),
            ("httpd-tools = 2.4.6-95.el7.centos", "httpd-tools"),
            ("libaprutil-1.so.0()(64bit)", "apr-util"),
            ("libapr-1.so.0()(64bit)", "apr")
        ],
        ["httpd"],
        ["httpd", "apachectl"]
    ),
    pkg!("httpd-tools", "x86_64", 0, "2.4.6-95.el7.centos", Dvd, 94 * K, 169 * K, [], [], ["ab", "htpasswd"]),
    pkg!("ipvsadm", "x86_64", 0, "1.27-8.el7", Dvd, 45 * K, 75 * K, [], [], ["ipvsadm"]),
    pkg!(
        "keepalived",
        "x86_64",
        0,
        "1.3.5-19.el7",
        Dvd,
        332 * K,
        1_003 * K,
        [
            ("libnetsnmpmibs.so.31()(64bit)", "net-snmp-agent-libs"),
            ("libnetsnmpagent.so.31()(64bit)", "net-snmp-agent-libs"),
            ("libnetsnmp.so.31()(64bit)", "net-snmp-libs")
        ],
        ["keepalived"],
        ["keepalived"]
    ),
    pkg!("keyutils", "x86_64", 0, "1.5.8-3.el7", Dvd, 54 * K, 141 * K, [], [], []),
    pkg!("libbasicobjects", "x86_64", 0, "0.1.1-32.el7", Dvd, 26 * K, 13 * K, [], [], []),
    pkg!("libcollection", "x86_64", 0, "0.7.0-32.el7", Dvd, 42 * K, 86 * K, [], [], []),
    pkg!("libevent", "x86_64", 0, "2.0.21-4.el7", Dvd, 214 * K, 757 * K, [], [], []),
    pkg!(
        "libini_config",
        "x86_64",
        0,
        "1.3.1-32.el7",
        Dvd,
        64 * K,
        157 * K,
        [
            ("libbasicobjects.so.0()(64bit)", "libbasicobjects"),
            ("libcollection.so.4()(64bit)", "libcollection"),
            ("libpath_utils.so.1()(64bit)", "libpath_utils"),
            ("libref_array.so.1()(64bit)", "libref_array")
        ],
        [],
        []
    ),
    pkg!("libnfsidmap", "x86_64", 0, "0.25-19.el7", Dvd, 50 * K, 101 * K, [], [], []),
    pkg!("libpath_utils", "x86_64", 0, "0.2.1-32.el7", Dvd, 28 * K, 15 * K, [], [], []),
    pkg!("libref_array", "x86_64", 0, "0.1.5-32.el7", Dvd, 27 * K, 13 * K, [], [], []),
    pkg!("libtirpc", "x86_64", 0, "0.2.4-0.16.el7", Dvd, 89 * K, 198 * K, [], [], []),
    pkg!("libverto-libevent", "x86_64", 0, "0.2.5-4.el7", Dvd, 8 * K, 11 * K, [("libevent-2.0.so.5()(64bit)", "libevent")], [], []),
    pkg!("libzip", "x86_64", 0, "0.10.1-8.el7", Dvd, 48 * K, 126 * K, [], [], []),
    pkg!("lm_sensors-libs", "x86_64", 0, "3.4.0-8.20160601gitf9185e5.el7", Dvd, 42 * K, 82 * K, [], [], []),
    pkg!("mailcap", "noarch", 0, "2.1.41-2.el7", Dvd, 31 * K, 67 * K, [], [], []),
    pkg!(
        "net-snmp-agent-libs",
        "x86_64",
        1,
        "5.7.2-49.el7",
        Dvd,
        707 * K,
        2_063 * K,
        [("libsensors.so.4()(64bit)", "lm_sensors-libs"), ("libnetsnmp.so.31()(64bit)", "net-snmp-libs")],
        [],
        []
    ),
    pkg!("net-snmp-libs", "x86_64", 1, "5.7.2-49.el7", Dvd, 751 * K, 2_274 * K, [], [], []),
    pkg!(
        "nfs-utils",
        "x86_64",
        1,
        "1.3.0-0.68.el7",
        Dvd,
        412 * K,
        1_087 * K,
        [
            ("gssproxy >= 0.7.0-3", "gssproxy"),
            ("keyutils", "keyutils"),
            ("libevent-2.0.so.5()(64bit)", "libevent"),
            ("libnfsidmap.so.0()(64bit)", "libnfsidmap"),
            ("libtirpc.so.1()(64bit)", "libtirpc"),
            ("libverto-libevent", "libverto-libevent"),
            ("quota", "quota"),
            ("rpcbind", "rpcbind")
        ],
        ["nfs-server"],
        ["exportfs", "showmount", "mount.nfs"]
    ),
    pkg!(
        "nginx",
        "x86_64",
        1,
        "1.20.1-9.el7",
        Epel,
        587 * K,
        1_715 * K,
        [
            ("nginx-filesystem = 1:1.20.1-9.el7", "nginx-filesystem"),
            ("libtcmalloc.so.4()(64bit)", "gperftools-libs"),
            ("libssl.so.1.1()(64bit)", "openssl11-libs")
        ],
        ["nginx"],
        ["nginx"]
    ),
    pkg!("nginx-filesystem", "noarch", 1, "1.20.1-9.el7", Epel, 24 * K, 0, [], [], []),
    pkg!("openssl11-libs", "x86_64", 1, "1.1.1k-5.el7", Epel, 1_487 * K, 3_835 * K, [], [], []),
    pkg!(
        "php",
        "x86_64",
        0,
        "5.4.16-48.el7",
        Dvd,
        1_403 * K,
        4_612 * K,
        [("php-cli(x86-64) = 5.4.16-48.el7", "php-cli"), ("php-common(x86-64) = 5.4.16-48.el7", "php-common")],
        [],
        []
    ),
    pkg!("php-cli", "x86_64", 0, "5.4.16-48.el7", Dvd, 2_758 * K, 9_167 * K, [("libzip.so.2()(64bit)", "libzip")], [], ["php"]),
    pkg!("php-common", "x86_64", 0, "5.4.16-48.el7", Dvd, 565 * K, 3_958 * K, [], [], []),
    pkg!("php-mysql", "x86_64", 0, "5.4.16-48.el7", Dvd, 102 * K, 226 * K, [("php-pdo(x86-64) = 5.4.16-48.el7", "php-pdo")], [], []),
    pkg!("php-pdo", "x86_64", 0, "5.4.16-48.el7", Dvd, 99 * K, 231 * K, [], [], []),
    pkg!(
        "quota",
        "x86_64",
        1,
        "4.01-19.el7",
        Dvd,
        179 * K,
        869 * K,
        [("quota-nls = 1:4.01-19.el7", "quota-nls"), ("tcp_wrappers", "tcp_wrappers")],
        [],
        []
    ),
    pkg!("quota-nls", "noarch", 1, "4.01-19.el7", Dvd, 90 * K, 285 * K, [], [], []),
    pkg!("rpcbind", "x86_64", 0, "0.2.0-49.el7", Dvd, 60 * K, 102 * K, [], ["rpcbind"], ["rpcinfo"]),
    pkg!("tcp_wrappers", "x86_64", 0, "7.6-77.el7", Dvd, 78 * K, 201 * K, [], [], []),
    // A minimal install's own packages: never installed by the lab, listed for what they bring.
    pkg!("NetworkManager", "x86_64", 1, "1.18.8-2.el7_9", Dvd, 1_985 * K, 5_972 * K, [], [], ["nmcli"]),
    pkg!("initscripts", "x86_64", 0, "9.49.53-1.el7_9.1", Dvd, 440 * K, 1_071 * K, [], ["network"], []),
    pkg!("libselinux-utils", "x86_64", 0, "2.5-15.el7", Dvd, 151 * K, 2_132 * K, [], [], ["getenforce", "setenforce", "getsebool"]),
    pkg!("policycoreutils", "x86_64", 0, "2.5-34.el7", Dvd, 917 * K, 5_140 * K, [], [], ["sestatus", "setsebool"]),
    pkg!("yum", "noarch", 0, "3.4.3-168.el7.centos", Dvd, 1_262 * K, 5_795 * K, [], [], ["yum"]),
];

/// Configuration files packages install that the lab edits (package, path, contents): the
/// stock `keepalived.conf` of keepalived 1.3.5's RPM, which the manual backs up before writing
/// its own.
pub(crate) const PACKAGE_FILES: &[(&str, &str, &str)] =
    &[("keepalived", "/etc/keepalived/keepalived.conf", include_str!("../../../scenarios/lab/centos7/keepalived.conf"))];

/// The package called `name`.
pub(crate) fn find(name: &str) -> Option<&'static Package> {
    PACKAGES.iter().find(|p| p.name == name)
}

/// The package that installs command `name`, if one of the table's does.
pub(crate) fn providing_command(name: &str) -> Option<&'static Package> {
    PACKAGES.iter().find(|p| p.commands.contains(&name))
}

/// The package that installs unit `name`.
pub(crate) fn providing_unit(name: &str) -> Option<&'static Package> {
    PACKAGES.iter().find(|p| p.units.contains(&name))
}
