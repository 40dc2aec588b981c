//! `/etc/yum.repos.d/*.repo`: INI sections, one repository each (`[base]`, `name=`,
//! `baseurl=`, `mirrorlist=`, `metalink=`, `enabled=`, `gpgcheck=`), as yum's `config.py`
//! reads them; `enabled` defaults to 1.

/// One repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Repo {
    /// The section name (`base`).
    pub(crate) id: String,
    /// Where it is: `baseurl`, else `mirrorlist` or `metalink`.
    pub(crate) url: String,
    pub(crate) enabled: bool,
}

impl Repo {
    /// The lab's DVD repository (`baseurl=file:///mnt`).
    pub(crate) fn is_dvd(&self) -> bool {
        self.url.trim_end_matches('/') == "file:///mnt"
    }

    /// An EPEL mirror (the Aliyun file's `baseurl`s and `metalink`).
    pub(crate) fn is_epel(&self) -> bool {
        self.url.contains("epel")
    }
}

/// The repositories of `files` ((name, text), in name order), in order. Files not ending in
/// `.repo` are ignored, as yum's `reposdir` glob does.
pub(crate) fn read(files: &[(String, String)]) -> Vec<Repo> {
    let mut repos: Vec<Repo> = Vec::new();
    for (_, text) in files.iter().filter(|(name, _)| name.ends_with(".repo")) {
        let mut current: Option<Repo> = None;
        let mut baseurl = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
                continue;
            }
            if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                repos.extend(current.take());
                current = Some(Repo { id: section.trim().to_owned(), url: String::new(), enabled: true });
                baseurl = false;
                continue;
            }
            let (Some(repo), Some((key, value))) = (current.as_mut(), line.split_once('=')) else { continue };
            let value = value.trim();
            match key.trim() {
                "baseurl" => {
                    // The first URL of a list.
                    repo.url = value.split_whitespace().next().unwrap_or("").to_owned();
                    baseurl = true;
                }
                "mirrorlist" | "metalink" if !baseurl => repo.url = value.to_owned(),
                "enabled" => repo.enabled = !matches!(value, "0" | "no" | "false" | "off"),
                _ => {}
            }
        }
        repos.extend(current);
    }
    repos
}
