use super::{Outcome, YumHost, run};
use crate::proto::Stream;

const BASE_REPO: &str = "[base]\nname=base\nbaseurl=file:///mnt\nenabled=1\ngpgcheck=0\n";
const EPEL_REPO: &str = "[epel]\nname=Extra Packages for Enterprise Linux 7 - $basearch\nbaseurl=http://mirrors.aliyun.com/epel/7/$basearch\nenabled=1\n\n[epel-debuginfo]\nbaseurl=http://mirrors.aliyun.com/epel/7/$basearch/debug\nenabled=0\n";

struct Host {
    repos: Vec<(String, String)>,
    dvd: bool,
    installed: Vec<&'static str>,
    cache: bool,
}

impl YumHost for Host {
    fn repo_files(&self) -> Vec<(String, String)> {
        self.repos.clone()
    }
    fn exists(&self, path: &str) -> bool {
        self.dvd && path == "/mnt/repodata/repomd.xml"
    }
    fn installed(&self, name: &str) -> bool {
        self.installed.contains(&name)
    }
    fn mirror_cache(&self) -> bool {
        self.cache
    }
}

fn lab_host() -> Host {
    Host { repos: vec![("base.repo".into(), BASE_REPO.into())], dvd: true, installed: vec![], cache: true }
}

fn stdout(o: &Outcome) -> Vec<&str> {
    o.lines.iter().filter(|(s, _)| *s == Stream::Stdout).map(|(_, l)| l.as_str()).collect()
}

fn stderr(o: &Outcome) -> Vec<&str> {
    o.lines.iter().filter(|(s, _)| *s == Stream::Stderr).map(|(_, l)| l.as_str()).collect()
}

#[test]
fn installing_keepalived_prints_yums_dependency_rounds_table_and_summary() {
    let o = run(&["-y", "install", "keepalived"], &lab_host());
    let out = stdout(&o);
    assert_eq!(o.status, 0, "{:?}", o.lines);
    assert_eq!(
        out[..9],
        [
            "Loaded plugins: fastestmirror",
            "Loading mirror speeds from cached hostfile",
            "Resolving Dependencies",
            "--> Running transaction check",
            "---> Package keepalived.x86_64 0:1.3.5-19.el7 will be installed",
            "--> Processing Dependency: libnetsnmpmibs.so.31()(64bit) for package: keepalived-1.3.5-19.el7.x86_64",
            "--> Processing Dependency: libnetsnmpagent.so.31()(64bit) for package: keepalived-1.3.5-19.el7.x86_64",
            "--> Processing Dependency: libnetsnmp.so.31()(64bit) for package: keepalived-1.3.5-19.el7.x86_64",
            "--> Running transaction check",
        ]
    );
    assert!(out.contains(&"---> Package net-snmp-agent-libs.x86_64 1:5.7.2-49.el7 will be installed"));
    assert!(out.contains(&"--> Processing Dependency: libsensors.so.4()(64bit) for package: 1:net-snmp-agent-libs-5.7.2-49.el7.x86_64"));
    // The transcript's table, column for column.
    assert!(out.contains(&" Package                 Arch        Version                  Repository   Size"));
    assert!(out.contains(&" keepalived              x86_64      1.3.5-19.el7             base        332 k"));
    assert!(out.contains(&" lm_sensors-libs         x86_64      3.4.0-8.20160601gitf9185e5.el7"));
    assert!(out.contains(&"                                                              base         42 k"));
    assert!(out.contains(&" net-snmp-agent-libs     x86_64      1:5.7.2-49.el7           base        707 k"));
    assert!(out.contains(&"Install  1 Package (+3 Dependent packages)"));
    assert!(out.contains(&"Total download size: 1.8 M"));
    let installing: Vec<&str> = out.iter().filter(|l| l.starts_with("  Installing : ")).copied().collect();
    assert_eq!(installing.len(), 4);
    assert!(installing.iter().all(|l| l.chars().count() == 80), "{installing:#?}");
    // rpm installs a package after what it needs.
    let at = |name: &str| installing.iter().position(|l| l.contains(name)).unwrap();
    assert!(at("lm_sensors") < at("net-snmp-agent") && at("net-snmp-libs") < at("keepalived"));
    assert!(installing[3].ends_with("4/4 "));
    assert_eq!(out[out.len() - 1], "Complete!");
    assert_eq!(o.installed.len(), 4);
    assert!(out.iter().any(|l| l.starts_with("  keepalived.x86_64 0:1.3.5-19.el7")));
}

#[test]
fn a_package_already_there_is_said_so_and_the_rest_installs() {
    let mut host = lab_host();
    host.installed = vec!["httpd", "apr", "apr-util", "httpd-tools", "mailcap"];
    let o = run(&["-y", "install", "httpd", "php", "php-mysql"], &host);
    let out = stdout(&o);
    assert!(out.contains(&"Package httpd-2.4.6-95.el7.centos.x86_64 already installed and latest version"));
    assert!(out.contains(&"Install  2 Packages (+4 Dependent packages)"), "{out:#?}");
    assert_eq!(o.installed.len(), 6);
    let o = run(&["-y", "install", "httpd"], &host);
    assert_eq!(stdout(&o)[2..], ["Package httpd-2.4.6-95.el7.centos.x86_64 already installed and latest version", "Nothing to do"]);
    assert_eq!(o.status, 0);
}

#[test]
fn nginx_is_only_in_epel() {
    let o = run(&["-y", "install", "nginx"], &lab_host());
    assert_eq!(stdout(&o)[2], "No package nginx available.");
    assert_eq!(stderr(&o), ["Error: Nothing to do"]);
    assert_eq!(o.status, 1);
    let mut host = lab_host();
    host.repos.push(("epel.repo".into(), EPEL_REPO.into()));
    let o = run(&["-y", "install", "nginx"], &host);
    assert_eq!(o.status, 0, "{:?}", o.lines);
    let out = stdout(&o);
    assert!(out.contains(&" nginx                   x86_64      1:1.20.1-9.el7           epel        587 k"), "{out:#?}");
    assert!(out.contains(&" gperftools-libs         x86_64      2.6.1-1.el7              base        272 k"));
    assert!(out.iter().any(|l| l.starts_with("(1/4): gperftools") || l.starts_with("(1/3): nginx")), "{out:#?}");
}

#[test]
fn without_repositories_or_the_dvd_yum_refuses() {
    let mut host = lab_host();
    host.repos.clear();
    let o = run(&["-y", "install", "httpd"], &host);
    assert_eq!(stderr(&o)[0], "There are no enabled repos.");
    assert_eq!(o.status, 1);
    let mut host = lab_host();
    host.dvd = false;
    let o = run(&["-y", "install", "httpd"], &host);
    assert!(stderr(&o)[0].contains("Couldn't open file /mnt/repodata/repomd.xml"));
    assert!(stderr(&o).last().unwrap().starts_with("failure: repodata/repomd.xml from base: [Errno 256]"));
    assert_eq!(o.status, 1);
}

#[test]
fn clean_all_forgets_the_mirrors_and_the_next_run_determines_them() {
    let o = run(&["clean", "all"], &lab_host());
    assert_eq!(
        stdout(&o),
        [
            "Loaded plugins: fastestmirror",
            "Cleaning repos: base",
            "Cleaning up everything",
            "Maybe you want: rm -rf /var/cache/yum, to also free up space taken by orphaned data from disabled or removed repos",
            "Cleaning up list of fastest mirrors",
        ]
    );
    assert!(!o.mirror_cache);
    let mut host = lab_host();
    host.cache = false;
    let o = run(&["-y", "install", "ipvsadm"], &host);
    assert_eq!(stdout(&o)[1], "Determining fastest mirrors");
    assert!(stdout(&o)[2].starts_with("base     "));
    assert!(o.mirror_cache);
}

#[test]
fn without_y_yum_asks_and_nothing_is_installed() {
    let o = run(&["install", "ipvsadm"], &lab_host());
    assert!(stdout(&o).contains(&"Is this ok [y/d/N]: Exiting on user command"));
    assert!(o.installed.is_empty());
    assert_eq!(o.status, 1);
}

#[test]
fn sizes_follow_urlgrabbers_format_number() {
    use super::render::size;
    assert_eq!(size(332 * 1024), "332 k");
    assert_eq!(size(1_887_436), "1.8 M");
    assert_eq!(size(500), "500  ");
    assert_eq!(size(10 * 1024 * 1024), "10 M");
}
