//! nfs-utils' reader on the lab's line, each client kind, and each message.

use super::*;

fn hosts(name: &str) -> Vec<Ipv4Addr> {
    match name {
        "web-1" => vec![Ipv4Addr::new(192, 168, 20, 201)],
        "web-2" => vec![Ipv4Addr::new(192, 168, 20, 202)],
        _ => vec![],
    }
}

fn read(text: &str) -> (Exports, Vec<Diagnostic>) {
    parse(text, "/etc/exports", &hosts)
}

fn client(last: u8, names: &[&str]) -> Client {
    Client { addr: Ipv4Addr::new(192, 168, 20, last), names: names.iter().map(|s| (*s).to_owned()).collect() }
}

fn errors(d: &[Diagnostic]) -> Vec<String> {
    d.iter().filter(|d| d.level == Level::Error).flat_map(|d| d.lines.clone()).collect()
}

#[test]
fn the_manual_line() {
    let (ex, diags) = read("# the lab\n/web *(rw,no_root_squash)\n");
    let (export, o) = ex.find("/web", &client(201, &[])).unwrap();
    assert_eq!(export.path, "/web");
    assert!(!o.read_only && !o.root_squash && !o.all_squash && o.secure && !o.async_writes);
    assert_eq!((o.anonuid, o.anongid), (65534, 65534));
    assert_eq!(ex.list(), vec![("/web".to_owned(), vec!["*".to_owned()])]);
    // nfs-utils 2.6.2's warning, as spec-nfs.md §6 quotes it.
    assert_eq!(
        diags,
        vec![Diagnostic {
            level: Level::Warning,
            lines: vec![
                "/etc/exports [2]: Neither 'subtree_check' or 'no_subtree_check' specified for export \"*:/web\".".into(),
                "  Assuming default behaviour ('no_subtree_check').".into(),
                "  NOTE: this default has changed since nfs-utils version 1.0.x".into(),
            ]
        }]
    );
}

#[test]
fn client_kinds_and_their_order() {
    let text = "/data *(ro,no_subtree_check) 192.168.20.0/24(rw,all_squash,anonuid=1000,anongid=1001,no_subtree_check) \\\n  web-1(rw,no_root_squash,no_subtree_check) *.lab(rw,async,no_subtree_check)\n\
                /ro 10.0.0.0/255.0.0.0(no_subtree_check)\n";
    let (ex, diags) = read(text);
    assert_eq!(diags, vec![]);
    let data = |c: &Client| ex.find("/data", c).map(|(_, o)| o.clone());
    // The host name beats the subnet, which beats the wildcard and `*`, whatever the order.
    let o = data(&client(201, &["web-1.lab"])).unwrap();
    assert!(!o.read_only && !o.root_squash && !o.all_squash);
    let o = data(&client(202, &["web-2.lab"])).unwrap();
    assert!(o.all_squash && (o.anonuid, o.anongid) == (1000, 1001));
    let o = Exports::find(&ex, "/data", &Client { addr: Ipv4Addr::new(10, 1, 1, 1), names: vec!["lb.lab".into()] }).unwrap().1.clone();
    assert!(o.async_writes && !o.read_only);
    assert!(data(&Client { addr: Ipv4Addr::new(10, 1, 1, 1), names: vec![] }).unwrap().read_only);
    assert!(ex.find("/ro", &Client { addr: Ipv4Addr::new(10, 9, 9, 9), names: vec![] }).is_some());
    assert!(ex.find("/ro", &client(1, &[])).is_none());
    assert!(ex.find("/nope", &client(1, &[])).is_none());
    // mountd's list: /data's `*` drops its other names (showmount's "(everyone)").
    assert_eq!(ex.list(), vec![("/ro".to_owned(), vec!["10.0.0.0/255.0.0.0".to_owned()]), ("/data".to_owned(), vec![])]);
}

#[test]
fn nfs_utils_messages() {
    let cases = [
        ("/web *(rw,bogus)\n", "/etc/exports:1: unknown keyword \"bogus\""),
        ("/web *(rw\n", "/etc/exports:1: syntax error: bad option list"),
        ("/web *(rw)x\n", "/etc/exports:1: syntax error: bad option list"),
        ("/web *(anonuid=abc)\n", "/etc/exports: 1: bad anonuid \"anonuid=abc\""),
        ("\n\n/web *(anongid=)\n", "/etc/exports: 3: bad anongid \"anongid=\""),
        ("/web 10.0.0.0/33(rw)\n", "Invalid prefix `33' for 10.0.0.0/33"),
        ("/web 10.0.0.0/255.0.0.300(rw)\n", "Invalid netmask `255.0.0.300' for 10.0.0.0/255.0.0.300"),
        ("/web 10.0.0/8(rw)\n", "Invalid IP address 10.0.0/8"),
    ];
    for (text, want) in cases {
        let (ex, diags) = read(text);
        assert_eq!(errors(&diags), vec![want.to_owned()], "{text:?}");
        assert!(ex.exports.is_empty(), "{text:?}");
    }
    // A client token over 511 bytes: nfs-utils names the wrong file.
    let (_, diags) = read(&format!("/web {}\n", "c".repeat(600)));
    assert_eq!(errors(&diags), vec!["command line:1: syntax error".to_owned()]);
    // Default options and no client: everyone, with those options.
    let (ex, _) = read("/web -rw\n");
    assert!(!ex.find("/web", &client(9, &[])).unwrap().1.read_only);
    let (_, diags) = read("/web web-1\n/x (rw,no_subtree_check)\n/y nowhere(rw,no_subtree_check)\n");
    let warnings: Vec<&str> = diags.iter().map(|d| d.lines[0].as_str()).collect();
    assert_eq!(warnings[0], "No options for /web web-1: suggest web-1(sync) to avoid warning");
    assert_eq!(warnings[2], "No host name given with /x (rw,no_subtree_check), suggest *(rw,no_subtree_check) to avoid warning");
    assert_eq!(warnings[3], "Failed to resolve nowhere");
}

#[test]
fn the_first_error_ends_the_read() {
    let (ex, diags) = read("/a *(rw,no_subtree_check)\n/b *(wat)\n/c *(rw,no_subtree_check)\n");
    assert_eq!(errors(&diags), vec!["/etc/exports:2: unknown keyword \"wat\"".to_owned()]);
    assert_eq!(ex.exports.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), ["/a"]);
}

#[test]
fn defaults_escapes_and_comments() {
    let (ex, diags) = read("/a -rw,no_subtree_check web-1 web-2(ro) # comment\n/b\\040c *(no_subtree_check)\n");
    assert!(errors(&diags).is_empty());
    assert!(!ex.find("/a", &client(201, &[])).unwrap().1.read_only);
    assert!(ex.find("/a", &client(202, &[])).unwrap().1.read_only);
    assert!(ex.get("/b c").is_some());
}

#[test]
fn globs() {
    assert!(glob(b"*.lab", b"web-1.lab"));
    assert!(glob(b"web-?", b"web-3"));
    assert!(glob(b"web-[12]", b"web-2"));
    assert!(!glob(b"web-[12]", b"web-3"));
    assert!(!glob(b"*.lab", b"web-1.lan"));
    // Many stars against a long name stay fast.
    assert!(glob(&[b'*'; 500], b""));
    assert!(!glob(format!("{}b", "*a".repeat(200)).as_bytes(), "a".repeat(255).as_bytes()));
}

#[test]
fn export_list_as_mountd_builds_it() {
    let (ex, _) = read("/a web-1(rw) web-2(rw)\n/b *(ro)\n/c 192.168.20.0/24(rw) web-1(rw)\n/d web-1(rw) *(ro)\n/e\n");
    let list = ex.list();
    let list: Vec<(&str, Vec<&str>)> = list.iter().map(|(d, g)| (d.as_str(), g.iter().map(String::as_str).collect())).collect();
    // Host names first (/a, /c, /d, each to the front), then /c's subnet drops web-1, then the
    // `*` entries in file order: /b gets "*", /d loses web-1 (everyone), /e has no name at all.
    assert_eq!(list, [("/e", vec![]), ("/b", vec!["*"]), ("/d", vec![]), ("/c", vec!["192.168.20.0/24"]), ("/a", vec!["web-2", "web-1"])]);
}
