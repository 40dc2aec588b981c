//! The Linux errno values a file system or socket call can fail with in labsim, with their numbers
//! (`include/uapi/asm-generic/errno-base.h`, `errno.h`) and glibc's `strerror()` texts, which
//! tools print in their own frames (Apache's `(2)No such file or directory: `, GNU's
//! `cat: x: No such file or directory`).

/// A failed file system or socket call's errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Errno {
    /// EPERM.
    Perm,
    /// ENOENT.
    NoEnt,
    /// EIO: a soft NFS mount gave up, or the server failed.
    Io,
    /// EACCES.
    Acces,
    /// EEXIST.
    Exist,
    /// ENOTDIR.
    NotDir,
    /// EISDIR.
    IsDir,
    /// EINVAL.
    Inval,
    /// EFBIG.
    Fbig,
    /// ENOSPC.
    NoSpc,
    /// EROFS.
    Rofs,
    /// ENAMETOOLONG.
    NameTooLong,
    /// ENOTEMPTY.
    NotEmpty,
    /// EDQUOT.
    Dquot,
    /// ESTALE.
    Stale,
    /// EBUSY (`umount` of a mount in use).
    Busy,
    /// EMFILE: the process holds as many descriptors as its open-file limit allows.
    MFile,
    /// ENETUNREACH: `connect()` to an address no route covers.
    NetUnreach,
    /// EADDRNOTAVAIL: `connect()` found no free ephemeral port towards that address and port
    /// (the others are in use or in TIME-WAIT).
    AddrNotAvail,
    /// ECONNREFUSED: a RST answered the SYN.
    ConnRefused,
    /// ECONNRESET: the established connection was reset.
    ConnReset,
    /// ETIMEDOUT: the kernel gave up retransmitting the SYN.
    TimedOut,
    /// EHOSTUNREACH: the next hop did not answer ARP, or an ICMP host unreachable came back.
    HostUnreach,
}

impl Errno {
    /// Its number on Linux.
    pub(crate) fn number(self) -> i32 {
        match self {
            Errno::Perm => 1,
            Errno::NoEnt => 2,
            Errno::Io => 5,
            Errno::Acces => 13,
            Errno::Exist => 17,
            Errno::NotDir => 20,
            Errno::IsDir => 21,
            Errno::Inval => 22,
            Errno::Fbig => 27,
            Errno::NoSpc => 28,
            Errno::Rofs => 30,
            Errno::NameTooLong => 36,
            Errno::NotEmpty => 39,
            Errno::Dquot => 122,
            Errno::Stale => 116,
            Errno::Busy => 16,
            Errno::MFile => 24,
            Errno::NetUnreach => 101,
            Errno::AddrNotAvail => 99,
            Errno::ConnRefused => 111,
            Errno::ConnReset => 104,
            Errno::TimedOut => 110,
            Errno::HostUnreach => 113,
        }
    }

    /// glibc's `strerror()`.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Errno::Perm => "Operation not permitted",
            Errno::NoEnt => "No such file or directory",
            Errno::Io => "Input/output error",
            Errno::Acces => "Permission denied",
            Errno::Exist => "File exists",
            Errno::NotDir => "Not a directory",
            Errno::IsDir => "Is a directory",
            Errno::Inval => "Invalid argument",
            Errno::Fbig => "File too large",
            Errno::NoSpc => "No space left on device",
            Errno::Rofs => "Read-only file system",
            Errno::NameTooLong => "File name too long",
            Errno::NotEmpty => "Directory not empty",
            Errno::Dquot => "Disk quota exceeded",
            Errno::Stale => "Stale file handle",
            Errno::Busy => "Device or resource busy",
            Errno::MFile => "Too many open files",
            Errno::NetUnreach => "Network is unreachable",
            Errno::AddrNotAvail => "Cannot assign requested address",
            Errno::ConnRefused => "Connection refused",
            Errno::ConnReset => "Connection reset by peer",
            Errno::TimedOut => "Connection timed out",
            Errno::HostUnreach => "No route to host",
        }
    }
}
