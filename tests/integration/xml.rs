//! A small well-formedness check and tree for the XML labsim writes (the JUnit files, the SVG of
//! `labsim topo`): elements, attributes, text and the five predefined entities plus character
//! references (no DTD, CDATA or processing instructions besides the `<?xml …?>` declaration).
//! Hand-written to avoid a dependency for the tests.

/// An element with its attributes (unescaped) and child elements.
#[derive(Debug)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        for c in &self.children {
            out.push(c);
            out.extend(c.descendants());
        }
        out
    }
}

struct Parser<'a> {
    s: &'a str,
    at: usize,
}

pub(crate) fn parse(s: &str) -> Result<Element, String> {
    let mut p = Parser { s, at: 0 };
    if p.rest().starts_with("<?xml") {
        let end = p.rest().find("?>").ok_or("unterminated XML declaration")?;
        p.at += end + 2;
    }
    p.skip_ws();
    let root = p.element()?;
    p.skip_ws();
    if p.at != s.len() {
        return Err(format!("content after the root element at byte {}", p.at));
    }
    Ok(root)
}

fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').ok_or_else(|| format!("unterminated entity in {raw:?}"))?;
        let entity = &rest[i + 1..i + end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else {
                    entity.strip_prefix('#').and_then(|d| d.parse().ok())
                };
                code.and_then(char::from_u32).ok_or_else(|| format!("unknown entity &{entity}; in {raw:?}"))?
            }
        };
        out.push(c);
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.at..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.at = self.s.len() - trimmed.len();
    }

    fn name(&mut self) -> Result<String, String> {
        let len = self.rest().find(|c: char| !(c.is_alphanumeric() || "_-.:".contains(c))).unwrap_or(self.rest().len());
        if len == 0 || self.rest().starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
            return Err(format!("expected a name at byte {}", self.at));
        }
        let name = self.rest()[..len].to_owned();
        self.at += len;
        Ok(name)
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.rest().starts_with(token) {
            self.at += token.len();
            Ok(())
        } else {
            Err(format!("expected {token:?} at byte {}: {:?}", self.at, &self.rest()[..self.rest().len().min(30)]))
        }
    }

    fn element(&mut self) -> Result<Element, String> {
        self.expect("<")?;
        let name = self.name()?;
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            let before = self.at;
            self.skip_ws();
            if self.rest().starts_with("/>") {
                self.at += 2;
                return Ok(Element { name, attrs, children: Vec::new(), text: String::new() });
            }
            if self.rest().starts_with('>') {
                self.at += 1;
                break;
            }
            if self.at == before {
                return Err(format!("expected whitespace before an attribute at byte {}", self.at));
            }
            let attr = self.name()?;
            self.skip_ws();
            self.expect("=")?;
            self.skip_ws();
            let quote =
                self.rest().chars().next().filter(|c| *c == '"' || *c == '\'').ok_or_else(|| format!("unquoted value of {attr}"))?;
            self.at += 1;
            let end = self.rest().find(quote).ok_or_else(|| format!("unterminated value of {attr}"))?;
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return Err(format!("`<` in the value of {attr}"));
            }
            let value = unescape(raw)?;
            self.at += end + 1;
            if attrs.iter().any(|(n, _)| *n == attr) {
                return Err(format!("attribute {attr} twice on <{name}>"));
            }
            attrs.push((attr, value));
        }
        let mut children = Vec::new();
        let mut text = String::new();
        loop {
            let end = self.rest().find('<').ok_or_else(|| format!("<{name}> is not closed"))?;
            text.push_str(&unescape(&self.rest()[..end])?);
            self.at += end;
            if self.rest().starts_with("</") {
                self.at += 2;
                let close = self.name()?;
                if close != name {
                    return Err(format!("<{name}> closed by </{close}>"));
                }
                self.skip_ws();
                self.expect(">")?;
                return Ok(Element { name, attrs, children, text });
            }
            if self.rest().starts_with("<!--") {
                let end = self.rest().find("-->").ok_or("unterminated comment")?;
                self.at += end + 3;
                continue;
            }
            children.push(self.element()?);
        }
    }
}

#[test]
fn parses_and_rejects() {
    let e = parse("<?xml version=\"1.0\"?>\n<a x=\"1 &amp; 2\"><b/><c y='&lt;'>t&#65;</c></a>\n").unwrap();
    assert_eq!(e.attr("x"), Some("1 & 2"));
    assert_eq!(e.descendants().len(), 2);
    assert_eq!(e.children[1].text, "tA");
    for bad in ["<a>", "<a></b>", "<a x=1/>", "<a x=\"&bogus;\"/>", "<a/><b/>", "<a x=\"<\"/>", "<a x=\"1\"x=\"2\"/>", "<a>&</a>"] {
        assert!(parse(bad).is_err(), "{bad} accepted");
    }
}
