//! Django's parser: tokens → a node tree, each built-in tag checked as Django checks it, and
//! the stubs of the template (unknown libraries, tags and filters) listed in source order.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};

use super::expr::{self, Cond, Expr, split_contents};
use super::lexer::{self, Kind, Token};
use crate::dialect::{Stub, StubKind};

/// Deepest nesting of block tags a template may have.
const MAX_NESTING: usize = 200;

/// A parsed template.
#[derive(Debug)]
pub struct Template {
    pub name: String,
    pub nodes: Vec<Node>,
    /// `{% extends %}`: the parent's name, and the line.
    pub extends: Option<(Expr, usize)>,
    /// Every `{% block %}` of the template, nested ones too.
    pub blocks: HashMap<String, Arc<BlockDef>>,
    /// Stubs in source order.
    pub stubs: Vec<Stub>,
}

#[derive(Debug)]
pub struct BlockDef {
    pub name: String,
    pub body: Vec<Node>,
    /// The template it is written in.
    pub template: Arc<str>,
}

/// A piece of a `{% blocktranslate %}` body.
#[derive(Debug)]
pub enum Piece {
    Text(String),
    Var(String),
}

#[derive(Debug)]
pub struct BlockTrans {
    pub with: Vec<(String, Expr)>,
    pub count: Option<(String, Expr)>,
    pub singular: Vec<Piece>,
    pub plural: Vec<Piece>,
    pub trimmed: bool,
    pub asvar: Option<String>,
    pub context: Option<Expr>,
    pub line: usize,
}

#[derive(Debug)]
pub enum Node {
    Text(String),
    Var(Expr, usize),
    If(Vec<(Option<Cond>, Vec<Node>)>),
    For {
        vars: Vec<String>,
        seq: Expr,
        reversed: bool,
        body: Vec<Node>,
        empty: Vec<Node>,
        line: usize,
    },
    With(Vec<(String, Expr)>, Vec<Node>),
    Block(Arc<BlockDef>),
    Include {
        name: Expr,
        with: Vec<(String, Expr)>,
        only: bool,
        line: usize,
    },
    Spaceless(Vec<Node>),
    Autoescape(bool, Vec<Node>),
    /// A body rendered as it is (`cache`, `localize`, `localtime`, `timezone`, `language`, an
    /// unknown block tag).
    Body(Vec<Node>),
    Firstof(Vec<Expr>, Option<String>),
    Cycle {
        values: Vec<Expr>,
        asvar: Option<String>,
        silent: bool,
        /// The cycle's identity (shared by `{% cycle name %}` references).
        id: usize,
    },
    ResetCycle(Option<usize>),
    Filter(Vec<expr::Filter>, Vec<Node>),
    Widthratio(Expr, Expr, Expr, Option<String>),
    Now(String, Option<String>),
    Static(Expr, Option<String>),
    /// A value set or printed: `get_static_prefix`, `get_current_language`, … (`None`: print).
    Set(Option<String>, Special),
    Trans {
        expr: Expr,
        noop: bool,
        context: Option<Expr>,
        asvar: Option<String>,
    },
    BlockTrans(Box<BlockTrans>),
    Url {
        name: Expr,
        asvar: Option<String>,
        template: Arc<str>,
        line: usize,
    },
    /// An unknown tag without a body: sets `as var` to "".
    StubTag(Option<String>),
    IfChanged {
        exprs: Vec<Expr>,
        body: Vec<Node>,
        other: Vec<Node>,
        id: usize,
    },
    Regroup {
        target: Expr,
        by: Vec<String>,
        asvar: String,
    },
    Lorem {
        count: Expr,
        method: String,
        random: bool,
    },
}

/// Values a tag puts in the context or prints.
#[derive(Debug, Clone)]
pub enum Special {
    StaticPrefix,
    MediaPrefix,
    CurrentLanguage,
    CurrentLanguageBidi,
    AvailableLanguages,
    LanguageInfo(Expr),
    LanguageInfoList(Expr),
    CurrentTimezone,
}

/// Tags Django has (with the static, i18n, l10n, tz and cache libraries), for the stub rule.
const KNOWN_TAGS: &[&str] = &[
    "autoescape",
    "block",
    "comment",
    "csrf_token",
    "cycle",
    "debug",
    "extends",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "include",
    "load",
    "lorem",
    "now",
    "querystring",
    "regroup",
    "resetcycle",
    "spaceless",
    "templatetag",
    "url",
    "verbatim",
    "widthratio",
    "with",
    "static",
    "get_static_prefix",
    "get_media_prefix",
    "trans",
    "translate",
    "blocktrans",
    "blocktranslate",
    "get_available_languages",
    "get_language_info",
    "get_language_info_list",
    "get_current_language",
    "get_current_language_bidi",
    "language",
    "localize",
    "localtime",
    "timezone",
    "get_current_timezone",
    "cache",
];

/// Words that close or split Django's own block tags: out of place they are syntax errors.
const KEYWORDS: &[&str] = &[
    "else",
    "elif",
    "empty",
    "plural",
    "endautoescape",
    "endcomment",
    "endfilter",
    "endfor",
    "endif",
    "endifchanged",
    "endspaceless",
    "endverbatim",
    "endwith",
    "endblock",
    "endblocktrans",
    "endblocktranslate",
    "endlanguage",
    "endlocalize",
    "endlocaltime",
    "endtimezone",
    "endcache",
];

/// Libraries that are Django's own: `{% load %}` of them is no stub.
const OWN_LIBRARIES: &[&str] = &["static", "i18n", "l10n", "tz", "cache"];

pub fn parse(name: &str, src: &str) -> Result<Template> {
    let tokens = lexer::tokenize(src);
    let mut p = Parser {
        name,
        tokens,
        pos: 0,
        stubs: Vec::new(),
        stub_names: HashSet::new(),
        blocks: HashMap::new(),
        cycles: HashMap::new(),
        next_id: 0,
        last_cycle: None,
        open: Vec::new(),
        depth: 0,
        extends: None,
        seen_nontext: false,
    };
    p.scan_filters();
    let (nodes, _) = p.parse(&[])?;
    let mut stubs = std::mem::take(&mut p.stubs);
    stubs.sort_by_key(|s| s.line);
    Ok(Template {
        name: name.to_string(),
        nodes,
        extends: p.extends,
        blocks: p.blocks,
        stubs,
    })
}

struct Parser<'a> {
    name: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    stubs: Vec<Stub>,
    /// Names made stubs by `{% load … from X %}` (tags and filters).
    stub_names: HashSet<String>,
    blocks: HashMap<String, Arc<BlockDef>>,
    /// Named cycles: name → id.
    cycles: HashMap<String, (usize, Vec<Expr>, bool)>,
    next_id: usize,
    last_cycle: Option<usize>,
    /// The block tags being parsed (word, line), innermost last: names an unclosed one.
    open: Vec<(String, usize)>,
    depth: usize,
    extends: Option<(Expr, usize)>,
    seen_nontext: bool,
}

/// The end of a parse: the closing tag met (its words and line), if any.
type Until = Option<(Vec<String>, usize)>;

impl Parser<'_> {
    fn err(&self, line: usize, msg: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{} line {line}: {msg}", self.name)
    }

    fn stub(&mut self, kind: StubKind, name: &str, line: usize) {
        self.stubs.push(Stub {
            kind,
            name: name.to_string(),
            template: self.name.to_string(),
            line,
        });
    }

    /// Unknown filters, found as Django's own scan of the tokens finds them (`|name` in every
    /// variable and tag outside comments, strings blanked; the first word of `{% filter %}`).
    fn scan_filters(&mut self) {
        let mut in_comment = false;
        let mut found = Vec::new();
        for tok in &self.tokens {
            if !matches!(tok.kind, Kind::Var | Kind::Block) {
                continue;
            }
            if in_comment {
                in_comment = !(tok.kind == Kind::Block && tok.text == "endcomment");
                continue;
            }
            if tok.kind == Kind::Block {
                let first = tok.text.split_whitespace().next().unwrap_or("");
                if first == "comment" {
                    in_comment = true;
                    continue;
                }
                if first == "filter" {
                    let rest = tok.text[6..].trim_start();
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        found.push((name, tok.line));
                    }
                }
            }
            let blanked = blank_strings(tok.text);
            let mut rest = blanked.as_str();
            while let Some(i) = rest.find('|') {
                rest = &rest[i + 1..];
                let name: String = rest
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push((name, tok.line));
                }
            }
        }
        for (name, line) in found {
            if !super::filters::is_known(&name) {
                self.stub(StubKind::Filter, &name, line);
            }
        }
    }

    fn is_stub_filter(&self) -> impl Fn(&str) -> bool + '_ {
        |name: &str| self.stub_names.contains(name) || !super::filters::is_known(name)
    }

    fn expr(&self, text: &str, line: usize) -> Result<Expr> {
        expr::parse(text, &self.is_stub_filter()).map_err(|e| self.err(line, e))
    }

    /// An identity unique in the process (cycle and ifchanged state is kept by it).
    fn id(&mut self) -> usize {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        self.next_id += 1;
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// Parses until a tag whose first word is in `until` (consumed and returned).
    fn parse(&mut self, until: &[&str]) -> Result<(Vec<Node>, Until)> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let line = self.tokens.get(self.pos).map_or(0, |t| t.line);
            bail!(self.err(
                line,
                format!("block tags nest deeper than {MAX_NESTING} levels")
            ));
        }
        let mut nodes = Vec::new();
        while self.pos < self.tokens.len() {
            let tok = self.tokens[self.pos].clone();
            self.pos += 1;
            match tok.kind {
                Kind::Text => nodes.push(Node::Text(tok.text.to_string())),
                Kind::Comment => {}
                Kind::Var => {
                    if tok.text.is_empty() {
                        bail!(self.err(tok.line, "empty variable tag {{ }}"));
                    }
                    self.seen_nontext = true;
                    nodes.push(Node::Var(self.expr(tok.text, tok.line)?, tok.line));
                }
                Kind::Block => {
                    let bits = split_contents(tok.text);
                    let Some(word) = bits.first().cloned() else {
                        bail!(self.err(tok.line, "empty block tag {% %}"));
                    };
                    if until.contains(&word.as_str()) {
                        self.depth -= 1;
                        return Ok((nodes, Some((bits, tok.line))));
                    }
                    self.open.push((word.clone(), tok.line));
                    let node = self.tag(&word, &bits, tok.line, until);
                    self.open.pop();
                    let node = node?;
                    if word != "extends" {
                        self.seen_nontext = true;
                    }
                    if let Some(node) = node {
                        nodes.push(node);
                    }
                }
            }
        }
        if !until.is_empty() {
            let end = until
                .iter()
                .find(|u| u.starts_with("end"))
                .unwrap_or(&until[0]);
            let (word, line) = self.open.last().cloned().unwrap_or_default();
            bail!(self.err(
                line,
                format!("{{% {word} %}} is not closed: add {{% {end} %}}")
            ));
        }
        self.depth -= 1;
        Ok((nodes, None))
    }

    /// Parses a body up to `end`; `Err` when it is missing.
    fn body(&mut self, end: &str) -> Result<Vec<Node>> {
        Ok(self.parse(&[end])?.0)
    }

    fn as_var(bits: &[String]) -> (Vec<String>, Option<String>) {
        if bits.len() >= 3 && bits[bits.len() - 2] == "as" {
            (
                bits[..bits.len() - 2].to_vec(),
                Some(bits[bits.len() - 1].clone()),
            )
        } else {
            (bits.to_vec(), None)
        }
    }

    fn tag(
        &mut self,
        word: &str,
        bits: &[String],
        line: usize,
        until: &[&str],
    ) -> Result<Option<Node>> {
        if self.stub_names.contains(word) || !KNOWN_TAGS.contains(&word) {
            if KEYWORDS.contains(&word) && !self.stub_names.contains(word) {
                let expected = if until.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", expected {}",
                        until
                            .iter()
                            .map(|u| format!("'{u}'"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )
                };
                bail!(self.err(line, format!("invalid block tag '{word}'{expected}: a closing tag without its opening tag?")));
            }
            return self.unknown(word, bits, line).map(Some);
        }
        let args = &bits[1..];
        let node = match word {
            "load" => {
                if bits.len() >= 4 && bits[bits.len() - 2] == "from" {
                    let lib = &bits[bits.len() - 1];
                    if !OWN_LIBRARIES.contains(&lib.as_str()) {
                        self.stub(StubKind::Library, lib, line);
                        for n in &bits[1..bits.len() - 2] {
                            self.stub_names.insert(n.clone());
                        }
                    }
                } else {
                    for lib in args {
                        if !OWN_LIBRARIES.contains(&lib.as_str()) {
                            self.stub(StubKind::Library, lib, line);
                        }
                    }
                }
                return Ok(None);
            }
            "extends" => {
                if args.len() != 1 {
                    bail!(self.err(line, "'extends' takes one argument"));
                }
                if self.extends.is_some() {
                    bail!(self.err(
                        line,
                        "'extends' cannot appear more than once in the same template"
                    ));
                }
                if self.seen_nontext || self.depth > 1 {
                    bail!(self.err(line, "{% extends %} must be the first tag in the template"));
                }
                self.extends = Some((self.expr(&args[0], line)?, line));
                return Ok(None);
            }
            "block" => {
                if args.len() != 1 {
                    bail!(self.err(line, "'block' tag takes only one argument"));
                }
                let name = args[0].clone();
                if self.blocks.contains_key(&name) {
                    bail!(self.err(
                        line,
                        format!("'block' tag with name '{name}' appears more than once")
                    ));
                }
                let (body, end) = self.parse(&["endblock"])?;
                if let Some((end, l)) = end
                    && end.len() > 1
                    && end[1] != name
                {
                    bail!(self.err(
                        l,
                        format!(
                            "{{% endblock {} %}} does not close {{% block {name} %}}",
                            end[1]
                        )
                    ));
                }
                let def = Arc::new(BlockDef {
                    name: name.clone(),
                    body,
                    template: self.name.into(),
                });
                self.blocks.insert(name, def.clone());
                Node::Block(def)
            }
            "if" => {
                let mut branches = Vec::new();
                let mut cond = Some(
                    expr::parse_cond(&bits[1..], &self.is_stub_filter())
                        .map_err(|e| self.err(line, e))?,
                );
                loop {
                    let (body, end) = self.parse(&["elif", "else", "endif"])?;
                    let (end, l) = end.unwrap_or_default();
                    branches.push((cond.take(), body));
                    match end[0].as_str() {
                        "elif" => {
                            cond = Some(
                                expr::parse_cond(&end[1..], &self.is_stub_filter())
                                    .map_err(|e| self.err(l, e))?,
                            );
                        }
                        "else" => {
                            let body = self.body("endif")?;
                            branches.push((None, body));
                            break;
                        }
                        _ => break,
                    }
                }
                Node::If(branches)
            }
            "for" => {
                if bits.len() < 4 {
                    bail!(self.err(line, "'for' statements should have at least four words"));
                }
                let reversed = bits[bits.len() - 1] == "reversed";
                let in_at = bits.len() - if reversed { 3 } else { 2 };
                if bits[in_at] != "in" {
                    bail!(self.err(line, "'for' statements should use the format 'for x in y'"));
                }
                let vars: Vec<String> = bits[1..in_at]
                    .join(" ")
                    .split(',')
                    .map(|v| v.trim().to_string())
                    .collect();
                if vars.iter().any(|v| v.is_empty() || v.contains(' ')) {
                    bail!(self.err(line, "'for' tag received an invalid argument"));
                }
                let seq = self.expr(&bits[in_at + 1], line)?;
                let (body, end) = self.parse(&["empty", "endfor"])?;
                let empty = if end.is_some_and(|(e, _)| e[0] == "empty") {
                    self.body("endfor")?
                } else {
                    Vec::new()
                };
                Node::For {
                    vars,
                    seq,
                    reversed,
                    body,
                    empty,
                    line,
                }
            }
            "with" => {
                let (kw, used) = expr::kwargs(args, true, &self.is_stub_filter())
                    .map_err(|e| self.err(line, e))?;
                if kw.is_empty() || used != args.len() {
                    bail!(self.err(line, "'with' expected at least one variable assignment"));
                }
                Node::With(kw, self.body("endwith")?)
            }
            "include" => {
                if args.is_empty() {
                    bail!(self.err(line, "'include' tag takes at least one argument: the name of the template to be included"));
                }
                let mut with = Vec::new();
                let mut only = false;
                let mut i = 1;
                while i < args.len() {
                    match args[i].as_str() {
                        "only" => {
                            only = true;
                            i += 1;
                        }
                        "with" => {
                            let (kw, used) =
                                expr::kwargs(&args[i + 1..], false, &self.is_stub_filter())
                                    .map_err(|e| self.err(line, e))?;
                            if kw.is_empty() {
                                bail!(self.err(
                                    line,
                                    "'with' in 'include' tag needs at least one keyword argument"
                                ));
                            }
                            with = kw;
                            i += 1 + used;
                        }
                        other => bail!(self.err(
                            line,
                            format!("unknown argument for 'include' tag: '{other}'")
                        )),
                    }
                }
                Node::Include {
                    name: self.expr(&args[0], line)?,
                    with,
                    only,
                    line,
                }
            }
            "comment" => {
                self.skip_past("endcomment", line)?;
                return Ok(None);
            }
            "verbatim" => {
                let end = format!("end{}", bits.join(" "));
                let mut text = String::new();
                while self.pos < self.tokens.len() {
                    let t = &self.tokens[self.pos];
                    self.pos += 1;
                    if t.kind == Kind::Block && t.text == end {
                        return Ok(Some(Node::Text(text)));
                    }
                    text.push_str(t.text);
                }
                bail!(self.err(
                    line,
                    format!(
                        "{{% {} %}} is not closed: add {{% {end} %}}",
                        end.trim_start_matches("end")
                    )
                ));
            }
            "spaceless" => Node::Spaceless(self.body("endspaceless")?),
            "autoescape" => {
                let on = match args {
                    [a] if a == "on" => true,
                    [a] if a == "off" => false,
                    _ => bail!(self.err(line, "'autoescape' argument should be 'on' or 'off'")),
                };
                Node::Autoescape(on, self.body("endautoescape")?)
            }
            "cache" => {
                if args.len() < 2 {
                    bail!(self.err(line, "'cache' tag requires at least 2 arguments"));
                }
                Node::Body(self.body("endcache")?)
            }
            "localize" => {
                if args.len() > 1 || args.first().is_some_and(|a| a != "on" && a != "off") {
                    bail!(self.err(line, "'localize' argument should be 'on' or 'off'"));
                }
                Node::Body(self.body("endlocalize")?)
            }
            "localtime" => {
                if args.len() > 1 || args.first().is_some_and(|a| a != "on" && a != "off") {
                    bail!(self.err(line, "'localtime' argument should be 'on' or 'off'"));
                }
                Node::Body(self.body("endlocaltime")?)
            }
            "timezone" => {
                if args.len() != 1 {
                    bail!(self.err(line, "'timezone' takes one argument (timezone)"));
                }
                self.expr(&args[0], line)?;
                Node::Body(self.body("endtimezone")?)
            }
            "language" => {
                if args.len() != 1 {
                    bail!(self.err(line, "'language' takes one argument (language)"));
                }
                self.expr(&args[0], line)?;
                Node::Body(self.body("endlanguage")?)
            }
            "firstof" => {
                let (vals, asvar) = Self::as_var(args);
                if vals.is_empty() {
                    bail!(self.err(line, "'firstof' statement requires at least one argument"));
                }
                let exprs = vals
                    .iter()
                    .map(|v| self.expr(v, line))
                    .collect::<Result<Vec<_>>>()?;
                Node::Firstof(exprs, asvar)
            }
            "cycle" => self.cycle(args, line)?,
            "resetcycle" => match args {
                [] => match self.last_cycle {
                    Some(id) => Node::ResetCycle(Some(id)),
                    None => bail!(self.err(line, "no cycles in template")),
                },
                [name] => match self.cycles.get(name) {
                    Some((id, ..)) => Node::ResetCycle(Some(*id)),
                    None => bail!(self.err(line, format!("named cycle '{name}' does not exist"))),
                },
                _ => bail!(self.err(line, "'resetcycle' takes at most one argument")),
            },
            "filter" => {
                if args.len() != 1 {
                    bail!(self.err(line, "'filter' takes one argument"));
                }
                let e = self.expr(&format!("var|{}", args[0]), line)?;
                if let Some(f) = e
                    .filters
                    .iter()
                    .find(|f| !f.stub && (f.name == "escape" || f.name == "safe"))
                {
                    bail!(self.err(
                        line,
                        format!(
                            "\"filter {}\" is not permitted: use the \"autoescape\" tag instead",
                            f.name
                        )
                    ));
                }
                Node::Filter(e.filters, self.body("endfilter")?)
            }
            "templatetag" => {
                let text = match args {
                    [a] => match a.as_str() {
                        "openblock" => "{%",
                        "closeblock" => "%}",
                        "openvariable" => "{{",
                        "closevariable" => "}}",
                        "openbrace" => "{",
                        "closebrace" => "}",
                        "opencomment" => "{#",
                        "closecomment" => "#}",
                        other => bail!(
                            self.err(line, format!("invalid templatetag argument: '{other}'"))
                        ),
                    },
                    _ => bail!(self.err(line, "'templatetag' statement takes one argument")),
                };
                Node::Text(text.to_string())
            }
            "widthratio" => {
                let (vals, asvar) = if args.len() == 5 && args[3] == "as" {
                    (args[..3].to_vec(), Some(args[4].clone()))
                } else if args.len() == 3 {
                    (args.to_vec(), None)
                } else {
                    bail!(self.err(line, "widthratio takes at least three arguments"));
                };
                Node::Widthratio(
                    self.expr(&vals[0], line)?,
                    self.expr(&vals[1], line)?,
                    self.expr(&vals[2], line)?,
                    asvar,
                )
            }
            "now" => {
                let (vals, asvar) = Self::as_var(args);
                if vals.len() != 1 {
                    bail!(self.err(line, "'now' statement takes one argument"));
                }
                let f = &vals[0];
                Node::Now(
                    f.get(1..f.len().saturating_sub(1))
                        .unwrap_or("")
                        .to_string(),
                    asvar,
                )
            }
            "csrf_token" => return Ok(None),
            "debug" => Node::Text(String::new()),
            "static" => {
                let (vals, asvar) = Self::as_var(args);
                if vals.is_empty() {
                    bail!(self.err(line, "'static' takes at least one argument (path to file)"));
                }
                Node::Static(self.expr(&vals[0], line)?, asvar)
            }
            "get_static_prefix" | "get_media_prefix" => {
                let asvar = match args {
                    [] => None,
                    [a, v] if a == "as" => Some(v.clone()),
                    _ => bail!(self.err(line, format!("first argument in '{word}' must be 'as'"))),
                };
                let what = if word == "get_static_prefix" {
                    Special::StaticPrefix
                } else {
                    Special::MediaPrefix
                };
                Node::Set(asvar, what)
            }
            "get_current_language"
            | "get_current_language_bidi"
            | "get_available_languages"
            | "get_current_timezone" => {
                let [a, v] = args else {
                    bail!(self.err(
                        line,
                        format!("'{word}' requires 'as variable' (got {args:?})")
                    ));
                };
                if a != "as" {
                    bail!(self.err(line, format!("'{word}' requires 'as variable'")));
                }
                let what = match word {
                    "get_current_language" => Special::CurrentLanguage,
                    "get_current_language_bidi" => Special::CurrentLanguageBidi,
                    "get_available_languages" => Special::AvailableLanguages,
                    _ => Special::CurrentTimezone,
                };
                Node::Set(Some(v.clone()), what)
            }
            "get_language_info" | "get_language_info_list" => {
                if args.len() != 4 || args[0] != "for" || args[2] != "as" {
                    bail!(self.err(line, format!("'{word}' requires 'for string as variable'")));
                }
                let e = self.expr(&args[1], line)?;
                let what = if word == "get_language_info" {
                    Special::LanguageInfo(e)
                } else {
                    Special::LanguageInfoList(e)
                };
                Node::Set(Some(args[3].clone()), what)
            }
            "trans" | "translate" => self.trans(args, line)?,
            "blocktrans" | "blocktranslate" => self.blocktrans(word, args, line)?,
            "url" => {
                if args.is_empty() {
                    bail!(self.err(
                        line,
                        "'url' takes at least one argument, a URL pattern name"
                    ));
                }
                let asvar = (args.len() >= 3 && args[args.len() - 2] == "as")
                    .then(|| args[args.len() - 1].clone());
                Node::Url {
                    name: self.expr(&args[0], line)?,
                    asvar,
                    template: self.name.into(),
                    line,
                }
            }
            "ifchanged" => {
                let exprs = args
                    .iter()
                    .map(|a| self.expr(a, line))
                    .collect::<Result<Vec<_>>>()?;
                let (body, end) = self.parse(&["else", "endifchanged"])?;
                let other = if end.is_some_and(|(e, _)| e[0] == "else") {
                    self.body("endifchanged")?
                } else {
                    Vec::new()
                };
                Node::IfChanged {
                    exprs,
                    body,
                    other,
                    id: self.id(),
                }
            }
            "regroup" => {
                if args.len() != 5 || args[1] != "by" || args[3] != "as" {
                    bail!(self.err(
                        line,
                        "'regroup' tag takes five arguments: {% regroup list by attr as name %}"
                    ));
                }
                let by = args[2].split('.').map(str::to_string).collect();
                Node::Regroup {
                    target: self.expr(&args[0], line)?,
                    by,
                    asvar: args[4].clone(),
                }
            }
            "lorem" => {
                let mut a = args.to_vec();
                let random = a.last().is_some_and(|x| x == "random");
                if random {
                    a.pop();
                }
                let method = match a.last().map(String::as_str) {
                    Some(m @ ("w" | "p" | "b")) => {
                        let m = m.to_string();
                        a.pop();
                        m
                    }
                    _ => "b".to_string(),
                };
                let count = match a.first() {
                    Some(c) => self.expr(c, line)?,
                    None => self.expr("1", line)?,
                };
                Node::Lorem {
                    count,
                    method,
                    random,
                }
            }
            "querystring" => bail!(self.err(
                line,
                "{% querystring %} needs the request, which static pages do not have"
            )),
            _ => return self.unknown(word, bits, line).map(Some),
        };
        Ok(Some(node))
    }

    fn skip_past(&mut self, end: &str, line: usize) -> Result<()> {
        while self.pos < self.tokens.len() {
            let t = &self.tokens[self.pos];
            self.pos += 1;
            if t.kind == Kind::Block && t.text == end {
                return Ok(());
            }
        }
        bail!(self.err(
            line,
            format!(
                "{{% {} %}} is not closed: add {{% {end} %}}",
                end.trim_start_matches("end")
            )
        ))
    }

    /// The stub rule for a tag Django does not have.
    fn unknown(&mut self, word: &str, bits: &[String], line: usize) -> Result<Node> {
        if !KNOWN_TAGS.contains(&word) {
            self.stub(StubKind::Tag, word, line);
        }
        let end = format!("end{word}");
        let later = self.tokens[self.pos..].iter().any(|t| {
            t.kind == Kind::Block && t.text.split_whitespace().next() == Some(end.as_str())
        });
        if later {
            let stops = [end.as_str(), "else", "elif", "empty"];
            let (body, mut stop) = self.parse(&stops)?;
            while let Some((words, _)) = &stop {
                if words[0] == end {
                    break;
                }
                stop = self.parse(&stops)?.1;
            }
            return Ok(Node::Body(body));
        }
        let (_, asvar) = Self::as_var(bits);
        Ok(Node::StubTag(asvar))
    }

    fn cycle(&mut self, args: &[String], line: usize) -> Result<Node> {
        if args.is_empty() {
            bail!(self.err(line, "'cycle' tag requires at least two arguments"));
        }
        if args.len() == 1 {
            let name = &args[0];
            return match self.cycles.get(name) {
                Some((id, values, silent)) => Ok(Node::Cycle {
                    values: values.clone(),
                    asvar: Some(name.clone()),
                    silent: *silent,
                    id: *id,
                }),
                None => bail!(self.err(line, format!("named cycle '{name}' does not exist"))),
            };
        }
        let mut vals = args.to_vec();
        let mut silent = false;
        let mut asvar = None;
        let n = vals.len();
        if n > 3 {
            if vals[n - 3] == "as" {
                if vals[n - 1] != "silent" {
                    bail!(self.err(
                        line,
                        format!(
                            "only 'silent' is allowed after the cycle's name, not '{}'",
                            vals[n - 1]
                        )
                    ));
                }
                silent = true;
                vals.pop();
                asvar = vals.pop();
                vals.pop();
            } else if vals[n - 2] == "as" {
                asvar = vals.pop();
                vals.pop();
            }
        }
        let values = vals
            .iter()
            .map(|v| self.expr(v, line))
            .collect::<Result<Vec<_>>>()?;
        let id = self.id();
        self.last_cycle = Some(id);
        if let Some(name) = &asvar {
            self.cycles
                .insert(name.clone(), (id, values.clone(), silent));
        }
        Ok(Node::Cycle {
            values,
            asvar,
            silent,
            id,
        })
    }

    fn trans(&mut self, args: &[String], line: usize) -> Result<Node> {
        if args.is_empty() {
            bail!(self.err(line, "'trans' takes at least one argument"));
        }
        let value = args[0].clone();
        let expr = self.expr(&value, line)?;
        let (mut noop, mut context, mut asvar) = (false, None, None);
        let mut i = 1;
        while i < args.len() {
            match args[i].as_str() {
                "noop" => noop = true,
                "context" => {
                    i += 1;
                    let v = args.get(i).ok_or_else(|| {
                        self.err(line, "no argument provided to the 'context' option")
                    })?;
                    context = Some(self.expr(v, line)?);
                }
                "as" => {
                    i += 1;
                    asvar = Some(
                        args.get(i)
                            .ok_or_else(|| {
                                self.err(line, "no argument provided to the 'as' option")
                            })?
                            .clone(),
                    );
                }
                other => {
                    bail!(self.err(line, format!("unknown argument for 'trans' tag: '{other}'")))
                }
            }
            i += 1;
        }
        Ok(Node::Trans {
            expr,
            noop,
            context,
            asvar,
        })
    }

    fn blocktrans(&mut self, word: &str, args: &[String], line: usize) -> Result<Node> {
        let mut with = Vec::new();
        let mut count = None;
        let mut trimmed = false;
        let mut asvar = None;
        let mut context = None;
        let mut i = 0;
        while i < args.len() {
            match args[i].as_str() {
                "with" => {
                    let (kw, used) = expr::kwargs(&args[i + 1..], true, &self.is_stub_filter())
                        .map_err(|e| self.err(line, e))?;
                    if kw.is_empty() {
                        bail!(self.err(
                            line,
                            format!("\"with\" in '{word}' tag needs at least one keyword argument")
                        ));
                    }
                    with = kw;
                    i += 1 + used;
                }
                "count" => {
                    let (kw, used) = expr::kwargs(&args[i + 1..], true, &self.is_stub_filter())
                        .map_err(|e| self.err(line, e))?;
                    if kw.len() != 1 {
                        bail!(self.err(
                            line,
                            format!(
                                "\"count\" in '{word}' tag expected exactly one keyword argument"
                            )
                        ));
                    }
                    count = kw.into_iter().next();
                    i += 1 + used;
                }
                "context" => {
                    let v = args.get(i + 1).ok_or_else(|| {
                        self.err(line, "no argument provided to the 'context' option")
                    })?;
                    context = Some(self.expr(v, line)?);
                    i += 2;
                }
                "trimmed" => {
                    trimmed = true;
                    i += 1;
                }
                "asvar" => {
                    asvar = Some(
                        args.get(i + 1)
                            .ok_or_else(|| {
                                self.err(line, "no argument provided to the 'asvar' option")
                            })?
                            .clone(),
                    );
                    i += 2;
                }
                other => bail!(self.err(
                    line,
                    format!("unknown argument for '{word}' tag: '{other}'")
                )),
            }
        }
        let end = format!("end{word}");
        let mut singular = Vec::new();
        let mut plural = Vec::new();
        let mut in_plural = false;
        loop {
            let Some(t) = self.tokens.get(self.pos).cloned() else {
                bail!(self.err(
                    line,
                    format!(
                        "{{% {} %}} is not closed: add {{% {end} %}}",
                        end.trim_start_matches("end")
                    )
                ));
            };
            self.pos += 1;
            let target = if in_plural {
                &mut plural
            } else {
                &mut singular
            };
            match t.kind {
                Kind::Text => target.push(Piece::Text(t.text.to_string())),
                Kind::Var => target.push(Piece::Var(t.text.to_string())),
                _ => {
                    let w = t.text.trim();
                    if w == "plural" && count.is_some() && !in_plural {
                        in_plural = true;
                        continue;
                    }
                    if w == end {
                        if count.is_some() && !in_plural {
                            bail!(
                                self.err(
                                    t.line,
                                    format!("'{word}' with count needs {{% plural %}}")
                                )
                            );
                        }
                        break;
                    }
                    bail!(self.err(
                        t.line,
                        format!("'{word}' doesn't allow other block tags (seen '{w}') inside it")
                    ));
                }
            }
        }
        Ok(Node::BlockTrans(Box::new(BlockTrans {
            with,
            count,
            singular,
            plural,
            trimmed,
            asvar,
            context,
            line,
        })))
    }
}

/// Replaces string literals by `""` (for the filter scan).
fn blank_strings(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if (b[i] == b'"' || b[i] == b'\'')
            && let Some(end) = {
                let q = b[i];
                let mut j = i + 1;
                let mut found = None;
                while j < b.len() {
                    if b[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    if b[j] == q {
                        found = Some(j);
                        break;
                    }
                    j += 1;
                }
                found
            }
        {
            out.push_str("\"\"");
            i = end + 1;
            continue;
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}
