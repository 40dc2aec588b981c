//! nfs(5) mount options as `mount.nfs` takes them (fstab's fourth field or `-o`), and the
//! options string `/proc/mounts` shows for a mounted file system (spec-nfs.md §1).
//!
//! nfs-utils 1.3.0 mounts with the kernel's text-based interface: most options go to the kernel
//! unparsed, whose `nfs_parse_mount_options` (3.10 `fs/nfs/super.c`) logs
//! `NFS: bad mount option value specified: …` or `NFS: unrecognized mount option '…'` and fails
//! mount(2) with EINVAL, which `mount_error()` (`utils/mount/error.c`) prints as
//! `mount.nfs: an incorrect mount option was specified`. [`parse`] returns both lines. mount.nfs
//! reads `vers=`/`nfsvers=` itself (`nfs_nfs_version` in `utils/mount/network.c`): a value that
//! is not a number is `mount.nfs: parsing error on 'vers=' option`, and a version it cannot try
//! ends in `nfs_try_mount` with EIO, `mount.nfs: mount system call failed`.

/// `lookupcache=` (nfs(5)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LookupCache {
    /// Positive and negative entries trusted (the default).
    All,
    /// Only positive entries trusted.
    Positive,
    /// Every entry revalidated.
    None,
}

/// A transport named by `proto=` or `mountproto=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Proto {
    const fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// The mount options of one NFS mount. Times are in seconds, except `timeo` (deciseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    /// `ro` (else `rw`).
    pub(crate) ro: bool,
    /// `noatime` (else `relatime`).
    pub(crate) noatime: bool,
    /// `vers=`/`nfsvers=`: `None` negotiates from 4.2 down (spec §1).
    pub(crate) vers: Option<u32>,
    /// `hard` (else `soft`).
    pub(crate) hard: bool,
    /// `timeo=`, deciseconds (`NFS_DEF_TCP_TIMEO` 600).
    pub(crate) timeo: u32,
    /// `retrans=` (`NFS_DEF_TCP_RETRANS` 2).
    pub(crate) retrans: u32,
    /// `acregmin=` seconds.
    pub(crate) acregmin: u32,
    /// `acregmax=`.
    pub(crate) acregmax: u32,
    /// `acdirmin=`.
    pub(crate) acdirmin: u32,
    /// `acdirmax=`.
    pub(crate) acdirmax: u32,
    /// `noac`.
    pub(crate) noac: bool,
    /// `cto` (else `nocto`).
    pub(crate) cto: bool,
    /// `lookupcache=`.
    pub(crate) lookupcache: LookupCache,
    /// `rsize=` asked for (the server's FSINFO caps it).
    pub(crate) rsize: u32,
    /// `wsize=` asked for.
    pub(crate) wsize: u32,
    /// `port=` of the NFS service (`None`: 2049 after asking the portmapper).
    pub(crate) port: Option<u16>,
    /// `mountport=`.
    pub(crate) mountport: Option<u16>,
    /// `mountproto=` (`None`: UDP first, as `probe_udp_first`).
    pub(crate) mountproto: Option<Proto>,
    /// `mountvers=`.
    pub(crate) mountvers: Option<u32>,
    /// `_netdev`: mounted after the network (systemd `remote-fs.target`); never sent.
    pub(crate) netdev: bool,
    /// `noauto` (else `auto`): skipped by `mount -a`.
    pub(crate) noauto: bool,
    /// `nofail`.
    pub(crate) nofail: bool,
}

/// `NFS_MAX_FILE_IO_SIZE`: the largest rsize/wsize the client asks for.
pub(crate) const MAX_IO_SIZE: u32 = 1_048_576;
/// `NFS_MAX_TCP_TIMEOUT` (600 s) in deciseconds (`nfs_init_timeout_values`).
const MAX_TCP_TIMEO: u32 = 6000;

impl Default for Options {
    /// `defaults` over TCP (`include/uapi/linux/nfs_fs.h`, `nfs_init_timeout_values`).
    fn default() -> Options {
        Options {
            ro: false,
            noatime: false,
            vers: None,
            hard: true,
            timeo: 600,
            retrans: 2,
            acregmin: 3,
            acregmax: 60,
            acdirmin: 30,
            acdirmax: 60,
            noac: false,
            cto: true,
            lookupcache: LookupCache::All,
            rsize: MAX_IO_SIZE,
            wsize: MAX_IO_SIZE,
            port: None,
            mountport: None,
            mountproto: None,
            mountvers: None,
            netdev: false,
            noauto: false,
            nofail: false,
        }
    }
}

/// Why an options string was refused: the kernel's log line and mount.nfs's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadOption {
    /// The kernel's line (`NFS: bad mount option value specified: timeo=x`), when the option
    /// reached the kernel.
    pub(crate) kernel: Option<String>,
    /// What mount.nfs prints.
    pub(crate) message: String,
}

const EINVAL_MESSAGE: &str = "mount.nfs: an incorrect mount option was specified";

fn bad_value(opt: &str) -> BadOption {
    BadOption { kernel: Some(format!("NFS: bad mount option value specified: {opt}")), message: EINVAL_MESSAGE.into() }
}

/// Options the VFS, util-linux or systemd take and the NFS client ignores.
const GENERIC: &[&str] = &[
    "defaults",
    "exec",
    "noexec",
    "suid",
    "nosuid",
    "dev",
    "nodev",
    "user",
    "nouser",
    "users",
    "owner",
    "group",
    "sync",
    "async",
    "diratime",
    "nodiratime",
    "strictatime",
    "intr",
    "nointr",
    "lock",
    "nolock",
    "bg",
    "fg",
    "rdirplus",
    "sharecache",
    "resvport",
    "tcp",
];

/// `nfs_nfs_version`: `MAJOR` or `MAJOR.MINOR`; labsim's client tries 3 and 4 (4.x).
fn version(key: &str, v: &str) -> Result<u32, BadOption> {
    let (major, minor) = v.split_once('.').map_or((v, None), |(a, b)| (a, Some(b)));
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !number(major) || minor.is_some_and(|m| !number(m)) {
        return Err(BadOption { kernel: None, message: format!("mount.nfs: parsing error on '{key}=' option") });
    }
    match (major, minor) {
        ("3", None) => Ok(3),
        ("4", _) => Ok(4),
        _ => Err(BadOption { kernel: None, message: "mount.nfs: mount system call failed".into() }),
    }
}

/// Reads a comma-separated options list (`defaults,rw,_netdev`); later options win.
pub(crate) fn parse(text: &str) -> Result<Options, BadOption> {
    let mut o = Options::default();
    for opt in text.split(',').filter(|s| !s.is_empty()) {
        let (key, value) = match opt.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (opt, None),
        };
        let num = || value.and_then(|v| v.parse::<u32>().ok()).ok_or_else(|| bad_value(opt));
        let port = || value.and_then(|v| v.parse::<u16>().ok()).ok_or_else(|| bad_value(opt));
        match (key, value) {
            ("rw", None) => o.ro = false,
            ("ro", None) => o.ro = true,
            ("relatime" | "atime", None) => o.noatime = false,
            ("noatime", None) => o.noatime = true,
            ("hard", None) => o.hard = true,
            ("soft", None) => o.hard = false,
            ("ac", None) => o.noac = false,
            ("noac", None) => o.noac = true,
            ("cto", None) => o.cto = true,
            ("nocto", None) => o.cto = false,
            ("_netdev", None) => o.netdev = true,
            ("auto", None) => o.noauto = false,
            ("noauto", None) => o.noauto = true,
            ("nofail", None) => o.nofail = true,
            ("vers" | "nfsvers", Some(v)) => o.vers = Some(version(key, v)?),
            ("timeo", Some(_)) => o.timeo = num()?.clamp(1, MAX_TCP_TIMEO),
            ("retrans", Some(_)) => o.retrans = num()?,
            ("actimeo", Some(_)) => {
                let n = num()?;
                (o.acregmin, o.acregmax, o.acdirmin, o.acdirmax) = (n, n, n, n);
            }
            ("acregmin", Some(_)) => o.acregmin = num()?,
            ("acregmax", Some(_)) => o.acregmax = num()?,
            ("acdirmin", Some(_)) => o.acdirmin = num()?,
            ("acdirmax", Some(_)) => o.acdirmax = num()?,
            ("rsize", Some(_)) => o.rsize = num()?.clamp(1024, MAX_IO_SIZE),
            ("wsize", Some(_)) => o.wsize = num()?.clamp(1024, MAX_IO_SIZE),
            ("lookupcache", Some(v)) => {
                o.lookupcache = match v {
                    "all" => LookupCache::All,
                    "positive" | "pos" => LookupCache::Positive,
                    "none" => LookupCache::None,
                    _ => return Err(bad_value(opt)),
                };
            }
            ("proto", Some("tcp")) => {}
            ("proto", Some(_)) => return Err(bad_value(opt)),
            ("port", Some(_)) => o.port = Some(port()?).filter(|p| *p != 0),
            ("mountport", Some(_)) => o.mountport = Some(port()?).filter(|p| *p != 0),
            ("mountproto", Some("udp")) => o.mountproto = Some(Proto::Udp),
            ("mountproto", Some("tcp")) => o.mountproto = Some(Proto::Tcp),
            ("mountproto", Some(_)) => return Err(bad_value(opt)),
            ("mountvers", Some("3")) => o.mountvers = Some(3),
            ("mountvers", Some(_)) => return Err(bad_value(opt)),
            ("sec", Some("sys")) => {}
            ("sec", Some(_)) => return Err(bad_value(opt)),
            (k, None) if GENERIC.contains(&k) => {}
            _ => {
                return Err(BadOption { kernel: Some(format!("NFS: unrecognized mount option '{opt}'")), message: EINVAL_MESSAGE.into() });
            }
        }
    }
    Ok(o)
}

impl Options {
    /// The options string of `/proc/mounts` (`nfs_show_mount_options` and
    /// `nfs_show_mountd_options` in `fs/nfs/super.c`, after the VFS's `rw,relatime`), for a v3
    /// mount with the negotiated sizes and the mount daemon's port.
    pub(crate) fn proc_mounts(&self, rsize: u32, wsize: u32, addr: &str, mountport: u16) -> String {
        let mut s = format!("{},{}", if self.ro { "ro" } else { "rw" }, if self.noatime { "noatime" } else { "relatime" });
        s += &format!(",vers=3,rsize={rsize},wsize={wsize},namlen=255");
        for (name, value, default) in [
            ("acregmin", self.acregmin, 3),
            ("acregmax", self.acregmax, 60),
            ("acdirmin", self.acdirmin, 30),
            ("acdirmax", self.acdirmax, 60),
        ] {
            if value != default {
                s += &format!(",{name}={value}");
            }
        }
        s += if self.hard { ",hard" } else { ",soft" };
        if !self.cto {
            s += ",nocto";
        }
        if self.noac {
            s += ",noac";
        }
        s += &format!(",proto=tcp,timeo={},retrans={},sec=sys", self.timeo, self.retrans);
        if let Some(port) = self.port {
            s += &format!(",port={port}");
        }
        let mountproto = self.mountproto.unwrap_or(Proto::Udp).name();
        s += &format!(",mountaddr={addr},mountvers=3,mountport={mountport},mountproto={mountproto}");
        match self.lookupcache {
            LookupCache::All => {}
            LookupCache::Positive => s += ",lookupcache=pos",
            LookupCache::None => s += ",lookupcache=none",
        }
        s += &format!(",local_lock=none,addr={addr}");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_fstab_options_are_the_defaults() {
        let o = parse("defaults,rw,_netdev").unwrap();
        assert_eq!(o, Options { netdev: true, ..Options::default() });
        assert_eq!((o.hard, o.timeo, o.retrans, o.acregmin, o.acdirmin, o.vers), (true, 600, 2, 3, 30, None));
    }

    #[test]
    fn later_options_win_and_actimeo_sets_all_four() {
        let o = parse("ro,soft,timeo=100,retrans=5,actimeo=7,acdirmax=90,nocto,noac,lookupcache=none,nfsvers=3,port=2049,mountport=20048,mountproto=tcp,noatime,rw").unwrap();
        assert!(!o.ro && !o.hard && !o.cto && o.noac && o.noatime);
        assert_eq!((o.timeo, o.retrans, o.acregmin, o.acregmax, o.acdirmin, o.acdirmax), (100, 5, 7, 7, 7, 90));
        assert_eq!(
            (o.vers, o.port, o.mountport, o.mountproto, o.lookupcache),
            (Some(3), Some(2049), Some(20048), Some(Proto::Tcp), LookupCache::None)
        );
        assert_eq!(parse("timeo=999999").unwrap().timeo, 6000);
    }

    #[test]
    fn bad_values_and_unknown_options() {
        for (opts, kernel) in [
            ("timeo=abc", "NFS: bad mount option value specified: timeo=abc"),
            ("lookupcache=some", "NFS: bad mount option value specified: lookupcache=some"),
            ("proto=udp6x", "NFS: bad mount option value specified: proto=udp6x"),
            ("port=70000", "NFS: bad mount option value specified: port=70000"),
            ("frobnicate", "NFS: unrecognized mount option 'frobnicate'"),
            ("hard=1", "NFS: unrecognized mount option 'hard=1'"),
        ] {
            let e = parse(opts).unwrap_err();
            assert_eq!(
                (e.kernel.as_deref(), e.message.as_str()),
                (Some(kernel), "mount.nfs: an incorrect mount option was specified"),
                "{opts}"
            );
        }
        for (opts, message) in [
            ("vers=three", "mount.nfs: parsing error on 'vers=' option"),
            ("nfsvers=4.x", "mount.nfs: parsing error on 'nfsvers=' option"),
            ("vers=5", "mount.nfs: mount system call failed"),
        ] {
            assert_eq!(parse(opts).unwrap_err(), BadOption { kernel: None, message: message.into() }, "{opts}");
        }
        assert_eq!(parse("nfsvers=4.1").unwrap().vers, Some(4));
    }

    #[test]
    fn proc_mounts_shows_what_differs_from_the_defaults() {
        let o = parse("soft,acregmin=10,nocto,lookupcache=positive,ro").unwrap();
        assert_eq!(
            o.proc_mounts(65536, 65536, "10.0.0.10", 635),
            "ro,relatime,vers=3,rsize=65536,wsize=65536,namlen=255,acregmin=10,soft,nocto,proto=tcp,timeo=600,retrans=2,sec=sys,\
             mountaddr=10.0.0.10,mountvers=3,mountport=635,mountproto=udp,lookupcache=pos,local_lock=none,addr=10.0.0.10"
        );
    }
}
