//! SELinux's lesson (issue 12): `scenarios/mistake-selinux-nfs.ron` with its forgotten step done
//! (`setsebool -P httpd_use_nfs 1` made before the run, so its store is on each web server's
//! disk when it boots) runs clean: the same timeline, every transfer 200, no AH00035, no AVC.

use labsim::{Outcome, TraceKind};

use crate::util;

/// The persistent boolean as `setsebool -P` leaves it on the disk.
const STORE: &str = r#""/etc/selinux/targeted/active/booleans.local": Text("httpd_use_nfs=1\n")"#;

#[test]
fn the_lesson_with_the_boolean_set_runs_clean() {
    let lesson = std::fs::read_to_string(util::scenario_path("mistake-selinux-nfs.ron")).expect("the lesson is shipped");
    let lab = util::root().join("scenarios/lab");
    let config = format!(r#"File("{}")"#, lab.join("centos7/selinux-config").display());
    assert_eq!(lesson.matches(r#"File("lab/centos7/selinux-config")"#).count(), 3, "the three web servers boot enforcing");
    let (head, _) = lesson.split_once("    expect: [").expect("the lesson has expectations");
    let fixed = head
        .replace(r#"extends: "lab/lab.ron""#, &format!("extends: {:?}", lab.join("lab.ron").display().to_string()))
        .replace(r#"File("lab/centos7/selinux-config")"#, &format!("{config}, {STORE}"))
        + r#"    expect: [
        HttpStatus(host: "client-1", status: 200, exactly: 6),
        HttpErrors(host: "client-1", exactly: 0),
        Output(host: "web-1", at: "4s", contains: "<no matches>"),
        Output(host: "web-1", at: "2s", contains: "httpd_use_nfs --> on"),
    ],
)
"#;
    let path = util::scratch("selinux-fixed").join("mistake-selinux-nfs-fixed.ron");
    std::fs::write(&path, fixed).expect("scratch is writable");
    let result = util::run(&path, None);
    assert_eq!(result.outcome, Outcome::Completed);
    assert!(result.report.passed(), "{}", result.report.to_text(result.trace.events()));
    let denials: Vec<&str> = result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Log { line, .. } if line.contains("avc:") || line.contains("AH00035") || line.contains("\" 403 ") => {
                Some(line.as_str())
            }
            _ => None,
        })
        .collect();
    assert!(denials.is_empty(), "the fixed lab denies nothing: {denials:?}");
}

#[test]
fn the_lesson_itself_shows_the_symptom_before_the_fix() {
    let result = util::run(&util::scenario_path("mistake-selinux-nfs.ron"), None);
    assert!(result.report.passed(), "{}", result.report.to_text(result.trace.events()));
    // One AVC per web server, and each the record auditd writes for a denied stat() of the mount.
    let avcs: Vec<(&str, &str)> = result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Log { host, process, line, .. } if process == "auditd" => Some((host.as_str(), line.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(avcs.iter().map(|(h, _)| *h).collect::<Vec<_>>(), ["web-1", "web-2", "web-3"]);
    for (_, line) in avcs {
        assert!(line.starts_with("type=AVC msg=audit(17955360"), "{line}");
        assert!(line.contains(":1): avc:  denied  { getattr } for  pid="), "{line}");
        assert!(line.ends_with("tclass=dir permissive=0"), "{line}");
    }
}
