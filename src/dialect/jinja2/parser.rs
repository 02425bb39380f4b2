//! Jinja2's parser: tokens into a [`Template`], with the i18n (`trans`), `do` and loopcontrols
//! extensions and the contract's unknown-tag stubs (end-tag rule, `else` rule, `as var`).

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::{Result, bail};

use super::ast::{Args, Block, Expr, For, Lit, Macro, Node, Target};
use super::lexer::{Tok, Token};

/// Deeper nesting than this is an error, not a stack overflow.
const MAX_DEPTH: usize = 200;

pub struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    name: &'a str,
    stub_tags: &'a HashSet<String>,
    pub blocks: Vec<Arc<Block>>,
    /// Calls of plain names: (line, token index, name).
    pub calls: Vec<(usize, usize, String)>,
    /// Names bound anywhere (set, for, with, macro and its parameters, import).
    pub bound: HashSet<String>,
    depth: usize,
}

fn is_name(t: &Tok, n: &str) -> bool {
    matches!(t, Tok::Name(s) if s == n)
}

impl<'a> Parser<'a> {
    pub fn new(toks: Vec<Token>, name: &'a str, stub_tags: &'a HashSet<String>) -> Self {
        Parser {
            toks,
            pos: 0,
            name,
            stub_tags,
            blocks: vec![],
            calls: vec![],
            bound: HashSet::new(),
            depth: 0,
        }
    }

    fn cur(&self) -> &Tok {
        &self.toks[self.pos].tok
    }
    fn line(&self) -> usize {
        self.toks[self.pos].line
    }
    fn look(&self) -> &Tok {
        &self.toks[(self.pos + 1).min(self.toks.len() - 1)].tok
    }
    fn next(&mut self) -> Tok {
        let t = self.toks[self.pos].tok.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn fail<T>(&self, msg: impl std::fmt::Display) -> Result<T> {
        bail!("{} line {}: {msg}", self.name, self.line())
    }
    fn describe(t: &Tok) -> String {
        match t {
            Tok::Name(n) => format!("'{n}'"),
            Tok::Str(_) => "string".into(),
            Tok::Int(_) | Tok::Float(_) => "number".into(),
            Tok::Op(o) => format!("'{o}'"),
            Tok::VarEnd => "end of print statement".into(),
            Tok::BlockEnd => "end of statement block".into(),
            Tok::Eof => "end of template".into(),
            _ => "template data".into(),
        }
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(self.cur(), Tok::Op(o) if *o == op)
    }
    fn skip_op(&mut self, op: &str) -> bool {
        let yes = self.is_op(op);
        if yes {
            self.next();
        }
        yes
    }
    fn expect_op(&mut self, op: &str) -> Result<()> {
        if !self.skip_op(op) {
            return self.fail(format!(
                "expected '{op}', got {}",
                Self::describe(self.cur())
            ));
        }
        Ok(())
    }
    fn is_kw(&self, n: &str) -> bool {
        is_name(self.cur(), n)
    }
    fn skip_kw(&mut self, n: &str) -> bool {
        let yes = self.is_kw(n);
        if yes {
            self.next();
        }
        yes
    }
    fn expect_kw(&mut self, n: &str) -> Result<()> {
        if !self.skip_kw(n) {
            return self.fail(format!(
                "expected '{n}', got {}",
                Self::describe(self.cur())
            ));
        }
        Ok(())
    }
    fn expect_name(&mut self) -> Result<String> {
        match self.cur().clone() {
            Tok::Name(n) => {
                self.next();
                Ok(n)
            }
            t => self.fail(format!("expected a name, got {}", Self::describe(&t))),
        }
    }
    fn expect_block_end(&mut self) -> Result<()> {
        self.skip_op(":");
        if !matches!(self.cur(), Tok::BlockEnd) {
            return self.fail(format!(
                "expected the end of the statement block, got {}",
                Self::describe(self.cur())
            ));
        }
        self.next();
        Ok(())
    }

    /// The whole template.
    pub fn parse(&mut self) -> Result<Vec<Node>> {
        self.subparse(&[])
    }

    fn subparse(&mut self, ends: &[&str]) -> Result<Vec<Node>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail("the template nests deeper than 200 levels");
        }
        let mut body = vec![];
        loop {
            match self.cur().clone() {
                Tok::Data(d) => {
                    self.next();
                    body.push(Node::Data(d));
                }
                Tok::VarBegin => {
                    self.next();
                    let line = self.line();
                    let e = self.parse_tuple(true, &[], false)?;
                    if !matches!(self.cur(), Tok::VarEnd) {
                        return self.fail(format!(
                            "expected the end of the print statement, got {}",
                            Self::describe(self.cur())
                        ));
                    }
                    self.next();
                    body.push(Node::Output(e, line));
                }
                Tok::BlockBegin => {
                    self.next();
                    if let Tok::Name(n) = self.cur()
                        && ends.contains(&n.as_str())
                    {
                        self.depth -= 1;
                        return Ok(body);
                    }
                    let node = self.parse_statement(ends)?;
                    body.push(node);
                    if !matches!(self.cur(), Tok::BlockEnd) {
                        return self.fail(format!(
                            "expected the end of the statement block, got {}",
                            Self::describe(self.cur())
                        ));
                    }
                    self.next();
                }
                Tok::Eof => {
                    if !ends.is_empty() {
                        return self.fail(format!(
                            "unexpected end of template: expected '{}'",
                            ends.join("' or '")
                        ));
                    }
                    self.depth -= 1;
                    return Ok(body);
                }
                t => return self.fail(format!("unexpected {}", Self::describe(&t))),
            }
        }
    }

    /// After a tag's arguments: its `%}`, then the body up to one of `ends` (left current).
    fn statements(&mut self, ends: &[&str], drop: bool) -> Result<Vec<Node>> {
        self.expect_block_end()?;
        let body = self.subparse(ends)?;
        if drop {
            self.next();
        }
        Ok(body)
    }

    fn parse_statement(&mut self, ends: &[&str]) -> Result<Node> {
        let line = self.line();
        let Tok::Name(tag) = self.cur().clone() else {
            return self.fail("tag name expected");
        };
        if self.stub_tags.contains(&tag) {
            return self.parse_stub(tag);
        }
        self.next();
        Ok(match tag.as_str() {
            "for" => self.parse_for(line)?,
            "if" => self.parse_if(line)?,
            "block" => self.parse_block(line)?,
            "extends" => Node::Extends(self.parse_expression(true)?, line),
            "print" => {
                let mut items = vec![];
                while !matches!(self.cur(), Tok::BlockEnd) {
                    if !items.is_empty() {
                        self.expect_op(",")?;
                    }
                    items.push(self.parse_expression(true)?);
                }
                Node::Seq(items.into_iter().map(|e| Node::Output(e, line)).collect())
            }
            "include" => {
                let name = self.parse_expression(true)?;
                let mut ignore_missing = false;
                if self.is_kw("ignore") && is_name(self.look(), "missing") {
                    self.next();
                    self.next();
                    ignore_missing = true;
                }
                let context = self.import_context().unwrap_or(true);
                Node::Include {
                    name,
                    ignore_missing,
                    context,
                    line,
                }
            }
            "import" => {
                let name = self.parse_expression(true)?;
                self.expect_kw("as")?;
                let target = self.expect_name()?;
                self.bound.insert(target.clone());
                let context = self.import_context().unwrap_or(false);
                Node::Import {
                    name,
                    target,
                    context,
                    line,
                }
            }
            "from" => {
                let name = self.parse_expression(true)?;
                self.expect_kw("import")?;
                let mut names = vec![];
                let mut context = None;
                loop {
                    if !names.is_empty() {
                        self.expect_op(",")?;
                    }
                    if let Tok::Name(_) = self.cur() {
                        if let Some(c) = self.import_context() {
                            context = Some(c);
                            break;
                        }
                        let n = self.expect_name()?;
                        if n.starts_with('_') {
                            return self
                                .fail("names starting with an underline can not be imported");
                        }
                        let alias = if self.skip_kw("as") {
                            self.expect_name()?
                        } else {
                            n.clone()
                        };
                        self.bound.insert(alias.clone());
                        names.push((n, alias));
                        if let Some(c) = self.import_context() {
                            context = Some(c);
                            break;
                        }
                        if !self.is_op(",") {
                            break;
                        }
                    } else {
                        self.expect_name()?;
                    }
                }
                Node::FromImport {
                    name,
                    names,
                    context: context.unwrap_or(false),
                    line,
                }
            }
            "set" => {
                let target =
                    if matches!(self.cur(), Tok::Name(_)) && matches!(self.look(), Tok::Op(".")) {
                        let ns = self.expect_name()?;
                        self.next();
                        Target::Attr(ns, self.expect_name()?)
                    } else {
                        self.parse_target(&[])?
                    };
                if self.skip_op("=") {
                    Node::Set(target, self.parse_tuple(true, &[], false)?, line)
                } else {
                    let mut filters = vec![];
                    while self.skip_op("|") {
                        filters.push(self.parse_filter_call(None)?);
                    }
                    let body = self.statements(&["endset"], true)?;
                    Node::SetBlock(target, filters, body, line)
                }
            }
            "with" => {
                let mut pairs = vec![];
                while !matches!(self.cur(), Tok::BlockEnd) {
                    if !pairs.is_empty() {
                        self.expect_op(",")?;
                    }
                    let t = self.parse_target(&[])?;
                    self.expect_op("=")?;
                    pairs.push((t, self.parse_expression(true)?));
                }
                let body = self.statements(&["endwith"], true)?;
                Node::With(pairs, body, line)
            }
            "autoescape" => {
                let e = self.parse_expression(true)?;
                let body = self.statements(&["endautoescape"], true)?;
                Node::Autoescape(e, body, line)
            }
            "filter" => {
                let mut filters = vec![self.parse_filter_call(None)?];
                while self.skip_op("|") {
                    filters.push(self.parse_filter_call(None)?);
                }
                let body = self.statements(&["endfilter"], true)?;
                Node::FilterBlock(filters, body, line)
            }
            "macro" => {
                let name = self.expect_name()?;
                self.bound.insert(name.clone());
                let params = self.parse_signature()?;
                let body = self.statements(&["endmacro"], true)?;
                Node::Macro(Arc::new(Macro { name, params, body }))
            }
            "call" => {
                let params = if self.is_op("(") {
                    self.parse_signature()?
                } else {
                    vec![]
                };
                let call = self.parse_expression(true)?;
                if !matches!(call, Expr::Call(..)) {
                    return self.fail("expected call");
                }
                let body = self.statements(&["endcall"], true)?;
                Node::CallBlock(
                    call,
                    Arc::new(Macro {
                        name: "caller".into(),
                        params,
                        body,
                    }),
                    line,
                )
            }
            "do" => Node::Do(self.parse_tuple(true, &[], false)?, line),
            "break" => Node::Break,
            "continue" => Node::Continue,
            "trans" => self.parse_trans(line)?,
            t if ends.is_empty()
                || t.starts_with("end")
                || ["else", "elif", "pluralize"].contains(&t) =>
            {
                self.pos -= 1;
                return self.fail(format!("encountered unknown tag '{t}'"));
            }
            t => {
                self.pos -= 1;
                return self.fail(format!(
                    "encountered unknown tag '{t}'; expected '{}'",
                    ends.join("' or '")
                ));
            }
        })
    }

    /// `with context` / `without context`, if there.
    fn import_context(&mut self) -> Option<bool> {
        if (self.is_kw("with") || self.is_kw("without")) && is_name(self.look(), "context") {
            let with = self.is_kw("with");
            self.next();
            self.next();
            return Some(with);
        }
        None
    }

    fn parse_stub(&mut self, tag: String) -> Result<Node> {
        let line = self.line();
        let at = self.pos;
        self.next();
        let mut args = vec![];
        while !matches!(self.cur(), Tok::BlockEnd | Tok::Eof) {
            args.push(self.next());
        }
        let end = format!("end{tag}");
        let later = tag != "empty"
            && self.toks[at..].windows(2).any(|w| {
                w[0].tok == Tok::BlockBegin && matches!(&w[1].tok, Tok::Name(n) if *n == end)
            });
        if later {
            let mut stops = vec![end.as_str(), "else", "elif"];
            if self.stub_tags.contains("empty") {
                stops.push("empty");
            }
            let body = self.statements(&stops, false)?;
            while !self.is_kw(&end) {
                self.next();
                while !matches!(self.cur(), Tok::BlockEnd | Tok::Eof) {
                    self.next();
                }
                self.statements(&stops, false)?;
            }
            self.next();
            while !matches!(self.cur(), Tok::BlockEnd | Tok::Eof) {
                self.next();
            }
            return Ok(Node::Seq(body));
        }
        let n = args.len();
        if n >= 2
            && is_name(&args[n - 2], "as")
            && let Tok::Name(var) = &args[n - 1]
        {
            self.bound.insert(var.clone());
            return Ok(Node::Set(
                Target::Name(var.clone()),
                Expr::Lit(Lit::Str(String::new())),
                line,
            ));
        }
        Ok(Node::Seq(vec![]))
    }

    fn parse_for(&mut self, line: usize) -> Result<Node> {
        let target = self.parse_target(&["in"])?;
        self.expect_kw("in")?;
        let iter = self.parse_tuple(false, &["recursive"], false)?;
        let cond = if self.skip_kw("if") {
            Some(self.parse_expression(true)?)
        } else {
            None
        };
        let recursive = self.skip_kw("recursive");
        let body = self.statements(&["endfor", "else"], false)?;
        let else_ = if matches!(self.next(), Tok::Name(n) if n == "endfor") {
            vec![]
        } else {
            self.statements(&["endfor"], true)?
        };
        Ok(Node::For(
            Arc::new(For {
                target,
                iter,
                cond,
                recursive,
                body,
                else_,
            }),
            line,
        ))
    }

    fn parse_if(&mut self, line: usize) -> Result<Node> {
        let mut arms = vec![];
        let mut cond = self.parse_tuple(false, &[], false)?;
        loop {
            let body = self.statements(&["elif", "else", "endif"], false)?;
            arms.push((cond, body));
            match self.next() {
                Tok::Name(n) if n == "elif" => cond = self.parse_tuple(false, &[], false)?,
                Tok::Name(n) if n == "else" => {
                    let e = self.statements(&["endif"], true)?;
                    return Ok(Node::If(arms, e, line));
                }
                _ => return Ok(Node::If(arms, vec![], line)),
            }
        }
    }

    fn parse_block(&mut self, line: usize) -> Result<Node> {
        let name = self.expect_name()?;
        if self.is_op("-") {
            return self.fail("use an underscore instead of a dash in block names");
        }
        let scoped = self.skip_kw("scoped");
        let required = self.skip_kw("required");
        let body = self.statements(&["endblock"], true)?;
        self.skip_kw(&name);
        if self.blocks.iter().any(|b| b.name == name) {
            return self.fail(format!("block '{name}' defined twice"));
        }
        self.blocks.push(Arc::new(Block {
            name: name.clone(),
            scoped,
            required,
            body,
        }));
        Ok(Node::Block(name, line))
    }

    fn parse_signature(&mut self) -> Result<Vec<(String, Option<Expr>)>> {
        self.expect_op("(")?;
        let mut params = vec![];
        while !self.is_op(")") {
            if !params.is_empty() {
                self.expect_op(",")?;
                if self.is_op(")") {
                    break;
                }
            }
            let n = self.expect_name()?;
            self.bound.insert(n.clone());
            let d = if self.skip_op("=") {
                Some(self.parse_expression(true)?)
            } else {
                None
            };
            params.push((n, d));
        }
        self.expect_op(")")?;
        Ok(params)
    }

    fn parse_target(&mut self, extra_end: &[&str]) -> Result<Target> {
        let mut items = vec![];
        let mut tuple = false;
        loop {
            if !items.is_empty() {
                self.expect_op(",")?;
            }
            if matches!(self.cur(), Tok::BlockEnd | Tok::VarEnd)
                || self.is_op(")")
                || self.is_op("=")
                || extra_end.iter().any(|e| self.is_kw(e))
            {
                break;
            }
            let t = if self.skip_op("(") {
                let t = self.parse_target(&[])?;
                self.expect_op(")")?;
                t
            } else {
                let n = self.expect_name()?;
                self.bound.insert(n.clone());
                Target::Name(n)
            };
            items.push(t);
            if self.is_op(",") {
                tuple = true;
            } else {
                break;
            }
        }
        if !tuple && items.len() == 1 {
            return Ok(items.pop().unwrap_or(Target::Tuple(vec![])));
        }
        if items.is_empty() {
            return self.fail("expected an assignment target");
        }
        Ok(Target::Tuple(items))
    }

    fn parse_trans(&mut self, _line: usize) -> Result<Node> {
        let mut vars: Vec<(String, Expr)> = vec![];
        let mut plural_expr: Option<Expr> = None;
        let mut num_called_num = false;
        let mut trimmed = None;
        while !matches!(self.cur(), Tok::BlockEnd) {
            if !vars.is_empty() {
                self.expect_op(",")?;
            }
            if self.skip_op(":") {
                break;
            }
            let n = self.expect_name()?;
            if vars.iter().any(|(k, _)| *k == n) {
                return self.fail(format!("translatable variable {n:?} defined twice"));
            }
            let var = if self.skip_op("=") {
                self.parse_expression(true)?
            } else if trimmed.is_none() && (n == "trimmed" || n == "notrimmed") {
                trimmed = Some(n == "trimmed");
                continue;
            } else {
                Expr::Name(n.clone())
            };
            if plural_expr.is_none() {
                plural_expr = Some(var.clone());
                num_called_num = n == "num";
            }
            vars.push((n, var));
        }
        self.expect_block_end()?;
        let (sing_names, mut singular) = self.trans_block(true)?;
        let mut referenced = sing_names.clone();
        if let Some(first) = sing_names.first()
            && plural_expr.is_none()
        {
            plural_expr = Some(Expr::Name(first.clone()));
            num_called_num = first == "num";
        }
        let mut plural = None;
        if self.is_kw("pluralize") {
            self.next();
            if !matches!(self.cur(), Tok::BlockEnd) {
                let n = self.expect_name()?;
                match vars.iter().find(|(k, _)| *k == n) {
                    Some((_, e)) => plural_expr = Some(e.clone()),
                    None => return self.fail(format!("unknown variable {n:?} for pluralization")),
                }
                num_called_num = n == "num";
            }
            self.expect_block_end()?;
            let (names, p) = self.trans_block(false)?;
            self.next();
            referenced.extend(names);
            plural = Some(p);
        } else {
            self.next();
        }
        for n in referenced {
            if !vars.iter().any(|(k, _)| *k == n) {
                vars.push((n.clone(), Expr::Name(n)));
            }
        }
        if plural.is_some() && plural_expr.is_none() {
            return self.fail("pluralize without variables");
        }
        if trimmed == Some(true) {
            singular = trim_ws(&singular);
            plural = plural.map(|p| trim_ws(&p));
        }
        let mut args = Args::default();
        let func = match plural {
            None => {
                args.pos.push(Expr::Lit(Lit::Str(singular)));
                "gettext"
            }
            Some(p) => {
                args.pos.push(Expr::Lit(Lit::Str(singular)));
                args.pos.push(Expr::Lit(Lit::Str(p)));
                args.pos.push(plural_expr.unwrap_or(Expr::Lit(Lit::None)));
                "ngettext"
            }
        };
        let has_plural = func == "ngettext";
        for (k, v) in vars {
            if num_called_num && has_plural && k == "num" {
                continue;
            }
            args.kw.push((k, v));
        }
        let line = self.line();
        Ok(Node::Output(
            Expr::Call(Box::new(Expr::Name(func.into())), args),
            line,
        ))
    }

    fn trans_block(&mut self, allow_plural: bool) -> Result<(Vec<String>, String)> {
        let mut names = vec![];
        let mut buf = String::new();
        loop {
            match self.cur().clone() {
                Tok::Data(d) => {
                    buf.push_str(&d.replace('%', "%%"));
                    self.next();
                }
                Tok::VarBegin => {
                    self.next();
                    let n = self.expect_name()?;
                    buf.push_str(&format!("%({n})s"));
                    names.push(n);
                    if !matches!(self.cur(), Tok::VarEnd) {
                        return self.fail("expected the end of the print statement");
                    }
                    self.next();
                }
                Tok::BlockBegin => {
                    self.next();
                    match self.cur() {
                        Tok::Name(n) if n == "endtrans" => break,
                        Tok::Name(n) if n == "pluralize" && allow_plural => break,
                        Tok::Name(n) if n == "pluralize" => {
                            return self.fail(
                                "a translatable section can have only one pluralize section",
                            );
                        }
                        t => {
                            let t = Self::describe(t);
                            return self.fail(format!(
                                "control structures in translatable sections are not allowed; saw {t}"
                            ));
                        }
                    }
                }
                _ => return self.fail("unclosed translation block"),
            }
        }
        Ok((names, buf))
    }

    // ------------------------------------------------------------------ expressions

    pub fn parse_expression(&mut self, condexpr: bool) -> Result<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail("the template nests deeper than 200 levels");
        }
        let r = if condexpr {
            self.parse_condexpr()
        } else {
            self.parse_or()
        };
        self.depth -= 1;
        r
    }

    fn parse_condexpr(&mut self) -> Result<Expr> {
        let mut e1 = self.parse_or()?;
        while self.skip_kw("if") {
            let e2 = self.parse_or()?;
            let e3 = if self.skip_kw("else") {
                Some(Box::new(self.parse_condexpr()?))
            } else {
                None
            };
            e1 = Expr::Cond(Box::new(e2), Box::new(e1), e3);
        }
        Ok(e1)
    }
    fn parse_or(&mut self) -> Result<Expr> {
        let mut l = self.parse_and()?;
        while self.skip_kw("or") {
            l = Expr::Or(Box::new(l), Box::new(self.parse_and()?));
        }
        Ok(l)
    }
    fn parse_and(&mut self) -> Result<Expr> {
        let mut l = self.parse_not()?;
        while self.skip_kw("and") {
            l = Expr::And(Box::new(l), Box::new(self.parse_not()?));
        }
        Ok(l)
    }
    fn parse_not(&mut self) -> Result<Expr> {
        if self.skip_kw("not") {
            return Ok(Expr::Not(Box::new(self.parse_not()?)));
        }
        self.parse_compare()
    }
    fn parse_compare(&mut self) -> Result<Expr> {
        let e = self.parse_math1()?;
        let mut ops = vec![];
        loop {
            let op = match self.cur() {
                Tok::Op(o) if ["==", "!=", "<", "<=", ">", ">="].contains(o) => *o,
                Tok::Name(n) if n == "in" => "in",
                Tok::Name(n) if n == "not" && is_name(self.look(), "in") => {
                    self.next();
                    "notin"
                }
                _ => break,
            };
            self.next();
            ops.push((op, self.parse_math1()?));
        }
        Ok(if ops.is_empty() {
            e
        } else {
            Expr::Cmp(Box::new(e), ops)
        })
    }
    fn parse_math1(&mut self) -> Result<Expr> {
        let mut l = self.parse_concat()?;
        while let Tok::Op(o @ ("+" | "-")) = self.cur() {
            let o = *o;
            self.next();
            l = Expr::Bin(o, Box::new(l), Box::new(self.parse_concat()?));
        }
        Ok(l)
    }
    fn parse_concat(&mut self) -> Result<Expr> {
        let mut args = vec![self.parse_math2()?];
        while self.skip_op("~") {
            args.push(self.parse_math2()?);
        }
        Ok(if args.len() == 1 {
            args.pop().unwrap_or(Expr::Lit(Lit::None))
        } else {
            Expr::Concat(args)
        })
    }
    fn parse_math2(&mut self) -> Result<Expr> {
        let mut l = self.parse_pow()?;
        while let Tok::Op(o @ ("*" | "/" | "//" | "%")) = self.cur() {
            let o = *o;
            self.next();
            l = Expr::Bin(o, Box::new(l), Box::new(self.parse_pow()?));
        }
        Ok(l)
    }
    fn parse_pow(&mut self) -> Result<Expr> {
        let mut l = self.parse_unary(true)?;
        while self.skip_op("**") {
            l = Expr::Bin("**", Box::new(l), Box::new(self.parse_unary(true)?));
        }
        Ok(l)
    }
    fn parse_unary(&mut self, with_filter: bool) -> Result<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail("the template nests deeper than 200 levels");
        }
        let mut node = if self.skip_op("-") {
            Expr::Neg(Box::new(self.parse_unary(false)?))
        } else if self.skip_op("+") {
            Expr::Pos(Box::new(self.parse_unary(false)?))
        } else {
            self.parse_primary()?
        };
        node = self.parse_postfix(node)?;
        if with_filter {
            node = self.parse_filter_expr(node)?;
        }
        self.depth -= 1;
        Ok(node)
    }
    fn parse_primary(&mut self) -> Result<Expr> {
        let t = self.cur().clone();
        Ok(match t {
            Tok::Name(n) => {
                self.next();
                match n.as_str() {
                    "true" | "True" => Expr::Lit(Lit::Bool(true)),
                    "false" | "False" => Expr::Lit(Lit::Bool(false)),
                    "none" | "None" => Expr::Lit(Lit::None),
                    _ => Expr::Name(n),
                }
            }
            Tok::Str(s) => {
                self.next();
                let mut s = s;
                while let Tok::Str(more) = self.cur() {
                    s.push_str(more);
                    self.next();
                }
                Expr::Lit(Lit::Str(s))
            }
            Tok::Int(i) => {
                self.next();
                Expr::Lit(Lit::Int(i))
            }
            Tok::Float(f) => {
                self.next();
                Expr::Lit(Lit::Float(f))
            }
            Tok::Op("(") => {
                self.next();
                let e = self.parse_tuple(true, &[], true)?;
                self.expect_op(")")?;
                e
            }
            Tok::Op("[") => {
                self.next();
                let mut items = vec![];
                while !self.is_op("]") {
                    if !items.is_empty() {
                        self.expect_op(",")?;
                    }
                    if self.is_op("]") {
                        break;
                    }
                    items.push(self.parse_expression(true)?);
                }
                self.expect_op("]")?;
                Expr::List(items)
            }
            Tok::Op("{") => {
                self.next();
                let mut items = vec![];
                while !self.is_op("}") {
                    if !items.is_empty() {
                        self.expect_op(",")?;
                    }
                    if self.is_op("}") {
                        break;
                    }
                    let k = self.parse_expression(true)?;
                    self.expect_op(":")?;
                    items.push((k, self.parse_expression(true)?));
                }
                self.expect_op("}")?;
                Expr::Dict(items)
            }
            t => return self.fail(format!("unexpected {}", Self::describe(&t))),
        })
    }

    /// A tuple where commas make one (`{{ a, b }}`), else the single expression.
    fn parse_tuple(&mut self, condexpr: bool, extra_end: &[&str], explicit: bool) -> Result<Expr> {
        let mut items = vec![];
        let mut tuple = false;
        loop {
            if !items.is_empty() {
                self.expect_op(",")?;
            }
            if matches!(self.cur(), Tok::BlockEnd | Tok::VarEnd)
                || self.is_op(")")
                || extra_end.iter().any(|e| self.is_kw(e))
            {
                break;
            }
            items.push(self.parse_expression(condexpr)?);
            if self.is_op(",") {
                tuple = true;
            } else {
                break;
            }
        }
        if !tuple {
            if let Some(e) = items.pop() {
                return Ok(e);
            }
            if !explicit {
                return self.fail(format!(
                    "expected an expression, got {}",
                    Self::describe(self.cur())
                ));
            }
        }
        Ok(Expr::Tuple(items))
    }

    fn parse_postfix(&mut self, mut node: Expr) -> Result<Expr> {
        loop {
            if self.skip_op(".") {
                match self.next() {
                    Tok::Name(n) => node = Expr::Attr(Box::new(node), n),
                    Tok::Int(i) => {
                        node = Expr::Item(Box::new(node), Box::new(Expr::Lit(Lit::Int(i))));
                    }
                    _ => return self.fail("expected name or number"),
                }
            } else if self.skip_op("[") {
                let mut args = vec![];
                while !self.is_op("]") {
                    if !args.is_empty() {
                        self.expect_op(",")?;
                    }
                    args.push(self.parse_subscribed()?);
                }
                self.expect_op("]")?;
                node = match (args.len(), args.pop()) {
                    (1, Some(Ok(e))) => Expr::Item(Box::new(node), Box::new(e)),
                    (1, Some(Err(s))) => Expr::Slice(Box::new(node), s),
                    (_, last) => {
                        let mut items = vec![];
                        for a in args.into_iter().chain(last) {
                            match a {
                                Ok(e) => items.push(e),
                                Err(_) => return self.fail("slices in tuples are not supported"),
                            }
                        }
                        Expr::Item(Box::new(node), Box::new(Expr::Tuple(items)))
                    }
                };
            } else if self.is_op("(") {
                node = self.parse_call(node)?;
            } else {
                return Ok(node);
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn parse_subscribed(&mut self) -> Result<std::result::Result<Expr, [Option<Box<Expr>>; 3]>> {
        let mut parts: [Option<Box<Expr>>; 3] = [None, None, None];
        if !self.is_op(":") {
            let e = self.parse_expression(true)?;
            if !self.is_op(":") {
                return Ok(Ok(e));
            }
            parts[0] = Some(Box::new(e));
        }
        self.next();
        if !self.is_op("]") && !self.is_op(",") && !self.is_op(":") {
            parts[1] = Some(Box::new(self.parse_expression(true)?));
        }
        if self.skip_op(":") && !self.is_op("]") && !self.is_op(",") {
            parts[2] = Some(Box::new(self.parse_expression(true)?));
        }
        Ok(Err(parts))
    }

    fn parse_args(&mut self) -> Result<Args> {
        self.expect_op("(")?;
        let mut a = Args::default();
        let mut comma = false;
        while !self.is_op(")") {
            if comma {
                self.expect_op(",")?;
                if self.is_op(")") {
                    break;
                }
            }
            if self.skip_op("*") {
                a.star = Some(Box::new(self.parse_expression(true)?));
            } else if self.skip_op("**") {
                a.dstar = Some(Box::new(self.parse_expression(true)?));
            } else if let (Tok::Name(n), Tok::Op("=")) = (self.cur().clone(), self.look().clone()) {
                self.next();
                self.next();
                a.kw.push((n, self.parse_expression(true)?));
            } else {
                a.pos.push(self.parse_expression(true)?);
            }
            comma = true;
        }
        self.expect_op(")")?;
        Ok(a)
    }

    fn parse_call(&mut self, node: Expr) -> Result<Expr> {
        let (line, at) = (self.line(), self.pos);
        if let Expr::Name(n) = &node {
            self.calls.push((line, at, n.clone()));
        }
        let args = self.parse_args()?;
        Ok(Expr::Call(Box::new(node), args))
    }

    fn dotted_name(&mut self) -> Result<String> {
        let mut n = self.expect_name()?;
        while self.skip_op(".") {
            n.push('.');
            n.push_str(&self.expect_name()?);
        }
        Ok(n)
    }

    /// A filter after its `|` (`name(args)`), with `value` as its input.
    fn parse_filter_call(&mut self, value: Option<Expr>) -> Result<Expr> {
        let name = self.dotted_name()?;
        let args = if self.is_op("(") {
            self.parse_args()?
        } else {
            Args::default()
        };
        Ok(Expr::Filter(value.map(Box::new), name, args))
    }

    fn parse_filter_expr(&mut self, mut node: Expr) -> Result<Expr> {
        loop {
            if self.skip_op("|") {
                node = self.parse_filter_call(Some(node))?;
            } else if self.skip_kw("is") {
                let negated = self.skip_kw("not");
                let name = self.dotted_name()?;
                let args = if self.is_op("(") {
                    self.parse_args()?
                } else if matches!(
                    self.cur(),
                    Tok::Name(_)
                        | Tok::Str(_)
                        | Tok::Int(_)
                        | Tok::Float(_)
                        | Tok::Op("(" | "[" | "{")
                ) && !["else", "or", "and"].iter().any(|k| self.is_kw(k))
                {
                    if self.is_kw("is") {
                        return self.fail("you cannot chain multiple tests with is");
                    }
                    let a = self.parse_primary()?;
                    let a = self.parse_postfix(a)?;
                    Args {
                        pos: vec![a],
                        ..Args::default()
                    }
                } else {
                    Args::default()
                };
                node = Expr::Test(Box::new(node), name, args, negated);
            } else if self.is_op("(") {
                node = self.parse_call(node)?;
            } else {
                return Ok(node);
            }
        }
    }
}

/// `trimmed`: whitespace runs with a newline become one space, both ends stripped.
fn trim_ws(s: &str) -> String {
    let s = s.trim();
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    for c in s.chars() {
        if c.is_whitespace() {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            if run.contains('\n') {
                out.push(' ');
            } else {
                out.push_str(&run);
            }
            run.clear();
        }
        out.push(c);
    }
    out
}
