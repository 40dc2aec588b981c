//! The operating systems a host can boot, one row each in [`OSES`]: what is on a fresh disk
//! (packages, files), which units start at boot, and which console the host has. A scenario
//! picks one with `os:` (per host, or for the whole lab); the default, `ready`, is labsim's
//! ready-made Linux host, so lessons that do not say otherwise keep their hosts as they were.

use crate::host::kernel::{Fs, IfAddr, NoFile, TcpSysctl};
use crate::kernel::SimTime;
use crate::proto::{ifcfg, selinux};

/// An operating system, as a scenario names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Os {
    /// labsim's ready-made Linux host: every tool there, no firewall, SELinux off.
    #[default]
    Ready,
    /// A CentOS 7 minimal install, as the lab manual's machines are before §4.
    CentOs7,
    /// The manual's Windows 10 client.
    Windows10,
}

/// Which console a host has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Console {
    /// bash as root's login shell; `argv0` is how bash names itself in its messages.
    Bash { argv0: &'static str },
    /// Windows' `cmd.exe`.
    Cmd,
}

/// Which systemd a host runs: its wording for a unit that does not exist, and the layout of
/// `systemctl status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Systemd {
    /// systemd 219 (CentOS 7): `Failed to start X.service: Unit not found.`
    V219,
    /// systemd 252: `Failed to start X.service: Unit X.service not found.`
    V252,
}

/// One row of [`OSES`].
pub(crate) struct OsSpec {
    pub(crate) os: Os,
    /// Its name in a scenario.
    pub(crate) name: &'static str,
    /// The packages on a fresh disk; `None` is every package labsim knows.
    pub(crate) packages: Option<&'static [&'static str]>,
    /// Units enabled on a fresh disk, before the scenario's `enabled` list.
    pub(crate) enabled: &'static [&'static str],
    /// Whether the installer wrote an `ifcfg-NAME` file for each NIC (its address, static).
    pub(crate) network_scripts: bool,
    /// Directories on a fresh disk besides root's home.
    pub(crate) dirs: &'static [&'static str],
    /// Files on a fresh disk that the scenario did not provide (path, contents).
    pub(crate) files: &'static [(&'static str, &'static str)],
    pub(crate) console: Console,
    pub(crate) systemd: Systemd,
    /// Its kernel's TCP settings (listen backlog cap, SYN retransmissions).
    pub(crate) tcp: TcpSysctl,
    /// `kernel.pid_max`: the kernel's default (32768 up to 32 CPUs), or 4194304 where systemd's
    /// `sysctl.d/50-pid-max.conf` (v243 on) raises it. `ps` sizes its pid columns by it.
    pub(crate) pid_max: u32,
    /// The units whose vendor preset is `enabled` (`systemctl status`'s `Loaded:` line);
    /// `None`: every unit's (Debian's policy).
    pub(crate) presets_enabled: Option<&'static [&'static str]>,
    /// Whether its kernel's timers run on the timer wheel of Linux ≥ 4.8, which fires them up to
    /// a granule late (the neighbour timers: `proto::neigh`); 3.10's wheel fires them when due.
    pub(crate) timer_wheel: bool,
    /// The `RLIMIT_NOFILE` a root login starts with: the kernel's soft 1024 (`INR_OPEN_CUR`)
    /// under a hard 4096 (`INR_OPEN_MAX`), or systemd's hard 512 Ki (v240 on: `HIGH_RLIMIT_NOFILE`,
    /// the soft limit kept at 1024 for `select()`).
    pub(crate) nofile: NoFile,
}

/// The RAM of every labsim host as the kernel counts it (`MemTotal` of `/proc/meminfo`, kB):
/// a 1 GiB virtual machine, with no share kept back by the firmware or the kernel modelled.
/// `kernel.threads-max` follows from it (systemd's `Tasks:` limit), and `ps`'s `%MEM`.
pub(crate) const MEM_TOTAL_KB: u64 = 1_048_576;

/// A root login's `RLIMIT_NOFILE` under systemd v240 on: the soft 1024 kept for `select()`,
/// under the hard `HIGH_RLIMIT_NOFILE` (512 Ki).
const SYSTEMD_LOGIN_NOFILE: NoFile = NoFile { soft: 1024, hard: 524_288 };

/// `kernel.threads-max` (`kernel/fork.c` `set_max_threads`: the RAM over eight thread stacks
/// of `THREAD_SIZE`, 16 KiB on x86-64).
pub(crate) fn threads_max() -> u64 {
    MEM_TOTAL_KB * 1024 / (8 * 16 * 1024)
}

/// The fstab anaconda writes (the lessons' stock fstab).
const CENTOS7_FSTAB: &str = include_str!("../../../scenarios/lab/fstab");

/// The repository files of a stock CentOS 7 (`centos-release`), which the manual deletes.
const CENTOS7_BASE_REPO: &str = "# CentOS-Base.repo
#
# The mirror system uses the connecting IP address of the client and the
# update status of each mirror to pick mirrors that are updated to and
# geographically close to the client.  You should use this for CentOS updates
# unless you are manually picking other mirrors.

[base]
name=CentOS-$releasever - Base
mirrorlist=http://mirrorlist.centos.org/?release=$releasever&arch=$basearch&repo=os&infra=$infra
#baseurl=http://mirror.centos.org/centos/$releasever/os/$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7

[updates]
name=CentOS-$releasever - Updates
mirrorlist=http://mirrorlist.centos.org/?release=$releasever&arch=$basearch&repo=updates&infra=$infra
#baseurl=http://mirror.centos.org/centos/$releasever/updates/$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7

[extras]
name=CentOS-$releasever - Extras
mirrorlist=http://mirrorlist.centos.org/?release=$releasever&arch=$basearch&repo=extras&infra=$infra
#baseurl=http://mirror.centos.org/centos/$releasever/extras/$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7
";

/// Every operating system labsim boots.
pub(crate) const OSES: &[OsSpec] = &[
    OsSpec {
        os: Os::Ready,
        name: "ready",
        packages: None,
        enabled: &[],
        network_scripts: false,
        dirs: &[],
        files: &[],
        console: Console::Bash { argv0: "bash" },
        systemd: Systemd::V252,
        tcp: TcpSysctl::LINUX_6,
        pid_max: 4_194_304,
        presets_enabled: None,
        timer_wheel: true,
        nofile: SYSTEMD_LOGIN_NOFILE,
    },
    OsSpec {
        os: Os::CentOs7,
        name: "centos7",
        // A minimal install (`@core`): firewalld, the SELinux tools and auditd are there; the
        // lab's servers are not.
        packages: Some(&["firewalld", "libselinux-utils", "policycoreutils", "audit", "yum", "NetworkManager", "initscripts"]),
        enabled: &["network", "firewalld"],
        network_scripts: true,
        // The FHS directories a minimal install has that the manual uses (`mount /dev/cdrom /mnt`).
        dirs: &["/home", "/media", "/mnt", "/opt", "/srv", "/tmp"],
        files: &[
            (selinux::config::PATH, selinux::config::CENTOS7),
            ("/etc/yum.repos.d/CentOS-Base.repo", CENTOS7_BASE_REPO),
            ("/etc/fstab", CENTOS7_FSTAB),
        ],
        console: Console::Bash { argv0: "-bash" },
        systemd: Systemd::V219,
        tcp: TcpSysctl::LINUX_3_10,
        pid_max: 32_768,
        // `/usr/lib/systemd/system-preset/90-default.preset` enables firewalld; `99-default`
        // disables the rest.
        presets_enabled: Some(&["firewalld"]),
        timer_wheel: false,
        nofile: NoFile { soft: 1024, hard: 4096 },
    },
    OsSpec {
        os: Os::Windows10,
        name: "windows10",
        packages: Some(&[]),
        enabled: &[],
        network_scripts: false,
        dirs: &[],
        files: &[],
        console: Console::Cmd,
        systemd: Systemd::V252,
        // Windows' own TCP (TcpMaxConnectRetransmissions, its backlog) is not modelled: its
        // connects time like Linux 6.x's.
        tcp: TcpSysctl::LINUX_6,
        pid_max: 4_194_304,
        presets_enabled: None,
        // Windows' ARP cache is not Linux's: its retries are not on Linux's timer wheel.
        timer_wheel: false,
        // Windows has no such limit; its console runs no load generator, so any will do.
        nofile: SYSTEMD_LOGIN_NOFILE,
    },
];

impl OsSpec {
    /// Adds what the installer put on a fresh disk and the scenario did not: the directories,
    /// the files, an `ifcfg` file per NIC (name, primary address).
    pub(crate) fn prepare(&self, fs: &mut Fs, nics: &[(&str, IfAddr)]) {
        for dir in self.dirs {
            let _ = fs.mkdir(dir, true, SimTime::ZERO);
        }
        for (path, contents) in self.files {
            if fs.read(path).is_none() {
                fs.write(path, contents.as_bytes().to_vec(), SimTime::ZERO);
            }
        }
        if self.network_scripts {
            for (name, addr) in nics {
                let path = ifcfg::path(name);
                if fs.read(&path).is_none() {
                    fs.write(&path, ifcfg::installed(name, addr.addr, addr.prefix_len).into_bytes(), SimTime::ZERO);
                }
            }
        }
    }
}

impl Os {
    /// The row of `name` (`centos7`).
    pub(crate) fn named(name: &str) -> Option<Os> {
        OSES.iter().find(|s| s.name == name).map(|s| s.os)
    }

    /// Its row of [`OSES`].
    pub(crate) fn spec(self) -> &'static OsSpec {
        OSES.iter().find(|s| s.os == self).unwrap_or(&OSES[0])
    }
}

/// The names a scenario may give `os:`.
pub(crate) fn os_names() -> impl Iterator<Item = &'static str> {
    OSES.iter().map(|s| s.name)
}
