//! The documentation stays true to the repository: `assets/lab.svg` is what `labsim topo` draws
//! from `scenarios/lab/lab.ron` today, `docs/lab.md` names every host and address of the lab,
//! `scenarios/README.md` names every shipped scenario, and README's table of test modules names
//! every module of this test binary.

use std::collections::BTreeSet;

use crate::{util, xml};

const LAB: &str = "scenarios/lab/lab.ron";
const PICTURE: &str = "assets/lab.svg";

fn read(relative: &str) -> String {
    std::fs::read_to_string(util::root().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The lab's hosts with their addresses, as the library reads `lab.ron` (through a fixture that
/// extends it and changes no host).
fn lab_hosts() -> Vec<(String, Vec<String>)> {
    let scenario = labsim::load_scenario(std::path::Path::new("tests/fixtures/failing/wrong_owner.ron")).expect("the fixture loads");
    scenario.hosts.iter().map(|h| (h.name.clone(), h.nics.iter().map(|n| format!("{}/{}", n.addr, n.prefix_len)).collect())).collect()
}

#[test]
fn the_lab_picture_is_what_labsim_topo_draws_from_the_lab_file() {
    let draw = || {
        let out = util::labsim().args(["topo", LAB, "--svg"]).output().expect("labsim runs");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8 SVG")
    };
    let svg = draw();
    assert_eq!(svg, draw(), "two drawings of one file differ");
    assert!(
        svg == read(PICTURE),
        "{PICTURE} is not what `labsim topo {LAB} --svg` draws today: regenerate it with\n  cargo run --release -- topo {LAB} --svg > {PICTURE}"
    );

    let root = xml::parse(&svg).unwrap_or_else(|e| panic!("the SVG is not well-formed XML: {e}"));
    assert_eq!((root.name.as_str(), root.attr("xmlns")), ("svg", Some("http://www.w3.org/2000/svg")));
    // Self-contained: nothing to load or run.
    let elements: Vec<&xml::Element> = root.descendants();
    for e in &elements {
        assert!(!["script", "image", "use", "foreignObject", "style", "a"].contains(&e.name.as_str()), "<{}> in the SVG", e.name);
        assert!(e.attrs.iter().all(|(name, _)| !name.contains("href") && !name.starts_with("on")), "<{}> {:?}", e.name, e.attrs);
    }
    assert!(!svg.contains("url(") && !svg.contains("@import") && !svg.contains("@font-face"), "external reference in the SVG");
    // Every host, address and the VIP is written in it.
    let texts: Vec<String> = elements.iter().filter(|e| e.name == "text").map(|e| e.text.clone()).collect();
    for (host, addrs) in lab_hosts() {
        assert!(texts.contains(&host), "{host} is not drawn");
        for addr in addrs {
            assert!(texts.contains(&addr), "{host}'s {addr} is not drawn");
        }
    }
    assert!(texts.contains(&"VIP 172.2.20.100".to_owned()), "the VIP is not drawn");
}

#[test]
fn the_lab_guide_names_every_host_address_and_the_picture() {
    let doc = read("docs/lab.md");
    assert!(doc.contains("](../assets/lab.svg)"), "docs/lab.md shows the picture");
    for (host, addrs) in lab_hosts() {
        let row =
            doc.lines().find(|l| l.starts_with(&format!("| `{host}` |"))).unwrap_or_else(|| panic!("docs/lab.md has no row for {host}"));
        for addr in addrs {
            assert!(row.contains(&addr), "docs/lab.md's row for {host} lacks {addr}: {row}");
        }
    }
    for word in ["172.2.20.100", "eno16777736", "eno33554984", "labsim topo scenarios/lab/lab.ron --svg"] {
        assert!(doc.contains(word), "docs/lab.md does not mention {word}");
    }
}

#[test]
fn the_scenarios_readme_names_every_shipped_scenario() {
    let readme = read("scenarios/README.md");
    let mut missing = Vec::new();
    for dir in ["scenarios", "scenarios/bench", "scenarios/memory"] {
        for entry in std::fs::read_dir(util::root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|x| x != "ron") {
                continue;
            }
            let relative = util::relative(&path);
            let named = relative.strip_prefix("scenarios/").unwrap_or(&relative);
            // Lessons as `**name.ron**`, the others by their path in the folder.
            let mention = if dir == "scenarios" { format!("**{named}**") } else { format!("`{named}`") };
            if !readme.contains(&mention) {
                missing.push(mention);
            }
        }
    }
    assert!(missing.is_empty(), "scenarios/README.md does not name {missing:?}");
}

#[test]
fn the_readme_lists_every_test_module() {
    let main = read("tests/integration/main.rs");
    let modules: BTreeSet<String> = main.lines().filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';').map(str::to_owned)).collect();
    assert!(modules.contains("docs") && modules.contains("util"), "{modules:?}");
    let readme = read("README.md");
    let table = readme.split("| module | checks |").nth(1).expect("README has the table of test modules");
    let listed: BTreeSet<String> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next().map(str::to_owned))
        .collect();
    assert_eq!(listed, modules, "README's table of test modules against tests/integration/main.rs");
}
