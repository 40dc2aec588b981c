//! The DVD drive (`/dev/sr0`, linked as `/dev/cdrom`) with CentOS 7.9's installation DVD in it,
//! as the lab's VMs have the ISO attached. Mounting it (iso9660, read-only) puts the DVD's tree
//! under the mount point: the repository the manual's `base.repo` points at (`repodata/`,
//! `Packages/` with the catalogue's DVD packages) and the files beside it.

use super::Kernel;
use super::syscall::{CDROM_DEVICE, MountView};
use crate::kernel::SimTime;
use crate::proto::yum::catalog::{PACKAGES, Source};

/// The files at the DVD's top (path under the mount point, contents).
const TOP: &[(&str, &str)] = &[
    (".discinfo", "1604330845.457413\nCentOS 7\nx86_64\n1\n"),
    ("CentOS_BuildTag", "20201030-1\n"),
    (
        "EULA",
        "CentOS Linux 7 EULA\n\nCentOS Linux 7 comes with no guarantees or warranties of any sorts,\neither written or implied.\n\nThe Distribution is released as GPLv2. Individual packages in the\ndistribution come with their own licences.\n",
    ),
    ("GPL", "                    GNU GENERAL PUBLIC LICENSE\n                       Version 2, June 1991\n"),
    (
        "RPM-GPG-KEY-CentOS-7",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nVersion: GnuPG v1.4.5 (GNU/Linux)\n-----END PGP PUBLIC KEY BLOCK-----\n",
    ),
    (
        "repodata/repomd.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<repomd xmlns=\"http://linux.duke.edu/metadata/repo\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n  <revision>1604330845</revision>\n</repomd>\n",
    ),
];

/// What is mounted from the drive, if anything.
#[derive(Debug, Default)]
pub(crate) struct Drive {
    mounted_at: Option<String>,
}

impl Kernel {
    /// mount(2) of the DVD at `target` (an existing directory); the DVD's files appear there.
    pub(crate) fn mount_cdrom(&mut self, now: SimTime, target: &str) -> Result<(), &'static str> {
        let target = self.fs.absolute(target).trim_end_matches('/').to_owned();
        if self.cdrom.mounted_at.is_some() {
            return Err("is already mounted");
        }
        if !self.fs.is_dir(&target) {
            return Err("mount point does not exist");
        }
        let at = |path: &str| if target.is_empty() { format!("/{path}") } else { format!("{target}/{path}") };
        for (path, text) in TOP {
            self.fs.write(&at(path), text.as_bytes().to_vec(), now);
        }
        for p in PACKAGES.iter().filter(|p| p.source == Source::Dvd) {
            self.fs.write(&at(&format!("Packages/{}-{}.{}.rpm", p.name, p.version, p.arch)), Vec::new(), now);
        }
        self.cdrom.mounted_at = Some(target);
        Ok(())
    }

    /// The DVD's mount, as `/proc/mounts` lists it.
    pub(crate) fn cdrom_mount(&self) -> Option<MountView> {
        let target = self.cdrom.mounted_at.clone()?;
        Some(MountView {
            source: CDROM_DEVICE.to_owned(),
            target,
            fstype: "iso9660",
            options: "ro,relatime,nojoliet,check=s,map=n,blocksize=2048".to_owned(),
        })
    }
}
