//! Renders a parsed template as Django does: the context stack, autoescape, template
//! inheritance (block context, `block.super`), includes, loops, and every built-in tag's
//! output; the stubs met are collected for the pipeline.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};

use super::Engine;
use super::expr::{Arg, Base, Cond, Expr, Lit, Op};
use super::filters::{self, Env};
use super::parser::{BlockDef, BlockTrans, Node, Piece, Special, Template};
use super::value::{Value, escape_into, float_display};
use crate::dialect::{Stub, StubKind};

/// Deepest nesting of template renders (extends and includes).
const MAX_DEPTH: usize = 64;
/// Deepest nesting of nodes being rendered, across included templates: keeps the render's
/// stack well inside a rendering thread's 2 MiB.
const MAX_NESTING: usize = 256;

/// A template render's own state (Django's `render_context` frame).
#[derive(Default)]
struct State {
    /// The block context, once a template of the chain extends another.
    blocks: Option<HashMap<String, Vec<Arc<BlockDef>>>>,
    cycles: HashMap<usize, usize>,
}

pub struct Render<'e> {
    engine: &'e Engine,
    scopes: Vec<HashMap<String, Value>>,
    autoescape: bool,
    states: Vec<State>,
    /// Templates loaded, in order (their stubs are the page's).
    pub loaded: Vec<Arc<Template>>,
    /// URL names missing from DOWNPAGE_URLS.
    pub urls: Vec<Stub>,
    /// The template being rendered (names errors).
    current: Vec<Arc<str>>,
    depth: usize,
    nesting: usize,
    /// `{% ifchanged %}` state: (loop instance, node) → last value.
    changed: HashMap<(usize, usize), Vec<Value>>,
    loops: Vec<usize>,
    loop_serial: usize,
}

fn lit(l: &Lit) -> Value {
    match l {
        Lit::Int(i) => Value::Int(*i),
        Lit::Float(f) => Value::Float(*f),
        Lit::Str(s) => Value::safe(s.as_str()),
    }
}

fn builtins() -> HashMap<String, Value> {
    HashMap::from([
        ("True".to_string(), Value::Bool(true)),
        ("False".to_string(), Value::Bool(false)),
        ("None".to_string(), Value::None),
    ])
}

impl<'e> Render<'e> {
    pub fn new(
        engine: &'e Engine,
        context: &serde_json::Map<String, serde_json::Value>,
    ) -> Render<'e> {
        let page: HashMap<String, Value> = context
            .iter()
            .map(|(k, v)| (k.clone(), Value::from_json(v)))
            .collect();
        Render {
            engine,
            scopes: vec![builtins(), page],
            autoescape: true,
            states: Vec::new(),
            loaded: Vec::new(),
            urls: Vec::new(),
            current: Vec::new(),
            depth: 0,
            nesting: 0,
            changed: HashMap::new(),
            loops: Vec::new(),
            loop_serial: 0,
        }
    }

    fn err(&self, line: usize, msg: impl std::fmt::Display) -> anyhow::Error {
        let name = self.current.last().map_or("", |n| n.as_ref());
        anyhow!("{name} line {line}: {msg}")
    }

    /// Loads a template (checking strict mode) and notes it.
    pub fn load(&mut self, name: &str) -> Result<Option<Arc<Template>>> {
        let Some(t) = self.engine.load(name)? else {
            return Ok(None);
        };
        if self.engine.options.strict
            && let Some(stub) = t.stubs.first()
        {
            return Err(crate::dialect::site::strict_error(stub));
        }
        if !self.loaded.iter().any(|l| Arc::ptr_eq(l, &t)) {
            self.loaded.push(t.clone());
        }
        Ok(Some(t))
    }

    /// Renders a template in a fresh state (the page itself, or an include).
    pub fn template(&mut self, t: &Arc<Template>, out: &mut String) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            bail!(
                "{}: templates nest deeper than {MAX_DEPTH} levels (does it include itself, or do templates include each other in a loop?)",
                t.name
            );
        }
        self.states.push(State::default());
        let r = self.in_state(t, out);
        self.states.pop();
        self.depth -= 1;
        r
    }

    fn in_state(&mut self, t: &Arc<Template>, out: &mut String) -> Result<()> {
        self.current.push(t.name.as_str().into());
        let r = self.in_state_inner(t, out);
        self.current.pop();
        r
    }

    fn in_state_inner(&mut self, t: &Arc<Template>, out: &mut String) -> Result<()> {
        let Some((parent_expr, line)) = &t.extends else {
            return self.nodes(&t.nodes, out);
        };
        let parent_name = self.eval(parent_expr, false)?.to_str();
        if parent_name.is_empty() {
            bail!(self.err(
                *line,
                "{% extends %} names no template (the value is empty or undefined)"
            ));
        }
        let parent = self.load(&parent_name)?.ok_or_else(|| {
            self.err(
                *line,
                format!("extended template \"{parent_name}\" not found"),
            )
        })?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            bail!(self.err(*line, format!("templates nest deeper than {MAX_DEPTH} levels: {parent_name} is extended again (do templates extend each other in a loop?)")));
        }
        let state = self.states.last_mut().expect("a state");
        let blocks = state.blocks.get_or_insert_with(HashMap::new);
        for (name, b) in &t.blocks {
            blocks.entry(name.clone()).or_default().insert(0, b.clone());
        }
        if parent.extends.is_none() {
            for (name, b) in &parent.blocks {
                blocks.entry(name.clone()).or_default().insert(0, b.clone());
            }
        }
        let r = self.in_state(&parent, out);
        self.depth -= 1;
        r
    }

    fn nodes(&mut self, nodes: &[Node], out: &mut String) -> Result<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            let name = self.current.last().map_or("", |n| n.as_ref());
            bail!("{name}: tags and includes nest deeper than {MAX_NESTING} levels");
        }
        let r = nodes.iter().try_for_each(|n| self.node(n, out));
        self.nesting -= 1;
        r
    }

    fn lookup_name(&self, name: &str) -> Option<&Value> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    fn set(&mut self, name: &str, v: Value) {
        if let Some(top) = self.scopes.last_mut() {
            top.insert(name.to_string(), v);
        }
    }

    fn set_upward(&mut self, name: &str, v: Value) {
        for s in self.scopes.iter_mut().rev() {
            if let Some(slot) = s.get_mut(name) {
                *slot = v;
                return;
            }
        }
        self.set(name, v);
    }

    /// A dotted lookup; `None` when it fails.
    fn lookup(&mut self, parts: &[String], out_super: bool) -> Result<Option<Value>> {
        let Some(mut cur) = self.lookup_name(&parts[0]).cloned() else {
            return Ok(None);
        };
        for p in &parts[1..] {
            if let Value::Block(name) = &cur {
                cur = match p.as_str() {
                    "super" if out_super => self.block_super(name)?,
                    "super" => Value::empty(),
                    "name" => Value::str(name.clone()),
                    _ => return Ok(None),
                };
                continue;
            }
            match attr(&cur, p) {
                Some(v) => cur = v,
                None => return Ok(None),
            }
        }
        Ok(Some(cur))
    }

    fn block_super(&mut self, name: &str) -> Result<Value> {
        let has = self
            .states
            .last()
            .and_then(|s| s.blocks.as_ref())
            .and_then(|b| b.get(name))
            .is_some_and(|l| !l.is_empty());
        if !has {
            return Ok(Value::empty());
        }
        let mut out = String::new();
        self.render_block(name, None, &mut out)?;
        Ok(Value::safe(out))
    }

    fn env(&self) -> Env<'_> {
        Env {
            autoescape: self.autoescape,
            lang: &self.engine.options.lang,
            lang_name: &self.engine.options.lang_name,
        }
    }

    /// Django's `FilterExpression.resolve`.
    fn eval(&mut self, e: &Expr, ignore_failures: bool) -> Result<Value> {
        let mut v = match &e.base {
            Base::Lit(l) => lit(l),
            Base::Trans(s) => Value::safe(self.gettext(None, s)),
            Base::Var(parts, translate) => match self.lookup(parts, true)? {
                Some(v) if *translate => self.translated(&v, None),
                Some(v) => v,
                None if ignore_failures => Value::None,
                None => Value::empty(),
            },
        };
        for f in &e.filters {
            let arg = match &f.arg {
                None => None,
                Some(Arg::Lit(l)) => Some(match lit(l) {
                    Value::Str(s, _) => Value::safe(s),
                    other => Value::safe(other.to_str()),
                }),
                Some(Arg::Var(parts, translate)) => Some(match self.lookup(parts, true)? {
                    Some(v) if *translate => self.translated(&v, None),
                    Some(v) => v,
                    None => Value::empty(),
                }),
            };
            if f.stub {
                continue;
            }
            v = filters::apply(&f.name, v, arg, &self.env())?;
        }
        Ok(v)
    }

    /// `render_value_in_context`: localized, escaped when autoescape is on.
    fn print(&self, v: &Value, out: &mut String) {
        match v {
            Value::Str(s, safe) => {
                if self.autoescape && !safe {
                    escape_into(s, out);
                } else {
                    out.push_str(s);
                }
            }
            Value::Float(f) => out.push_str(&float_display(*f)),
            Value::Int(i) => out.push_str(&i.to_string()),
            other => {
                let s = other.to_str();
                if self.autoescape {
                    escape_into(&s, out);
                } else {
                    out.push_str(&s);
                }
            }
        }
    }

    fn rendered(&self, v: &Value) -> Value {
        let mut s = String::new();
        self.print(v, &mut s);
        if self.autoescape || v.is_safe() {
            Value::safe(s)
        } else {
            Value::str(s)
        }
    }

    fn cond(&mut self, c: &Cond) -> Result<Value> {
        Ok(match c {
            Cond::Lit(e) => self.eval(e, true)?,
            Cond::Not(x) => Value::Bool(!self.cond(x)?.truthy()),
            Cond::And(a, b) => {
                let l = self.cond(a)?;
                Value::Bool(l.truthy() && self.cond(b)?.truthy())
            }
            Cond::Or(a, b) => {
                let l = self.cond(a)?;
                Value::Bool(l.truthy() || self.cond(b)?.truthy())
            }
            Cond::Op(op, a, b) => {
                let (x, y) = (self.cond(a)?, self.cond(b)?);
                Value::Bool(match op {
                    Op::Eq => x.py_eq(&y),
                    Op::Ne => !x.py_eq(&y),
                    Op::Lt => x.py_cmp(&y).is_some_and(std::cmp::Ordering::is_lt),
                    Op::Le => x.py_cmp(&y).is_some_and(std::cmp::Ordering::is_le),
                    Op::Gt => x.py_cmp(&y).is_some_and(std::cmp::Ordering::is_gt),
                    Op::Ge => x.py_cmp(&y).is_some_and(std::cmp::Ordering::is_ge),
                    Op::In => x.is_in(&y).unwrap_or(false),
                    Op::NotIn => x.is_in(&y).is_some_and(|b| !b),
                    Op::Is => is(&x, &y),
                    Op::IsNot => !is(&x, &y),
                })
            }
        })
    }

    fn render_block(
        &mut self,
        name: &str,
        own: Option<&Arc<BlockDef>>,
        out: &mut String,
    ) -> Result<()> {
        let state = self.states.last_mut().expect("a state");
        let (block, popped) = match state.blocks.as_mut() {
            None => (own.cloned(), None),
            Some(blocks) => {
                let popped = blocks.get_mut(name).and_then(Vec::pop);
                (popped.clone().or_else(|| own.cloned()), popped)
            }
        };
        let Some(block) = block else { return Ok(()) };
        self.scopes.push(HashMap::from([(
            "block".to_string(),
            Value::Block(name.into()),
        )]));
        self.current.push(block.template.clone());
        let r = self.nodes(&block.body, out);
        self.current.pop();
        self.scopes.pop();
        if let Some(p) = popped
            && let Some(blocks) = self.states.last_mut().and_then(|s| s.blocks.as_mut())
        {
            blocks.entry(name.to_string()).or_default().push(p);
        }
        r
    }

    fn node(&mut self, n: &Node, out: &mut String) -> Result<()> {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Var(e, _) => {
                let v = self.eval(e, false)?;
                self.print(&v, out);
            }
            Node::If(branches) => {
                for (c, body) in branches {
                    let take = match c {
                        Some(c) => self.cond(c)?.truthy(),
                        None => true,
                    };
                    if take {
                        return self.nodes(body, out);
                    }
                }
            }
            Node::For {
                vars,
                seq,
                reversed,
                body,
                empty,
                line,
            } => {
                self.for_loop(vars, seq, *reversed, body, empty, *line, out)?;
            }
            Node::With(kw, body) => {
                let mut scope = HashMap::new();
                for (k, e) in kw {
                    scope.insert(k.clone(), self.eval(e, false)?);
                }
                self.scopes.push(scope);
                let r = self.nodes(body, out);
                self.scopes.pop();
                r?;
            }
            Node::Block(def) => self.render_block(&def.name, Some(def), out)?,
            Node::Include {
                name,
                with,
                only,
                line,
            } => self.include(name, with, *only, *line, out)?,
            Node::Spaceless(body) => {
                let mut inner = String::new();
                self.nodes(body, &mut inner)?;
                out.push_str(&strip_spaces_between_tags(inner.trim()));
            }
            Node::Autoescape(on, body) => {
                let saved = self.autoescape;
                self.autoescape = *on;
                let r = self.nodes(body, out);
                self.autoescape = saved;
                r?;
            }
            Node::Body(body) => self.nodes(body, out)?,
            Node::Firstof(exprs, asvar) => {
                let mut first = Value::empty();
                for e in exprs {
                    let v = self.eval(e, true)?;
                    if v.truthy() {
                        first = self.rendered(&v);
                        break;
                    }
                }
                match asvar {
                    Some(var) => self.set(var, first),
                    None => out.push_str(&first.to_str()),
                }
            }
            Node::Cycle {
                values,
                asvar,
                silent,
                id,
            } => {
                let state = self.states.last_mut().expect("a state");
                let i = state.cycles.entry(*id).or_insert(0);
                let pick = *i % values.len().max(1);
                *i += 1;
                let v = match values.get(pick) {
                    Some(e) => self.eval(e, false)?,
                    None => Value::empty(),
                };
                if let Some(var) = asvar {
                    self.set_upward(var, v.clone());
                }
                if !silent {
                    self.print(&v, out);
                }
            }
            Node::ResetCycle(id) => {
                if let Some(id) = id {
                    for s in &mut self.states {
                        s.cycles.remove(id);
                    }
                }
            }
            Node::Filter(filters_, body) => {
                let mut inner = String::new();
                self.nodes(body, &mut inner)?;
                let mut v = Value::safe(inner);
                for f in filters_ {
                    let arg = match &f.arg {
                        None => None,
                        Some(Arg::Lit(l)) => Some(Value::safe(lit(l).to_str())),
                        Some(Arg::Var(parts, _)) => {
                            Some(self.lookup(parts, true)?.unwrap_or_else(Value::empty))
                        }
                    };
                    if !f.stub {
                        v = filters::apply(&f.name, v, arg, &self.env())?;
                    }
                }
                match &v {
                    Value::Float(f) => out.push_str(&super::value::float_repr(*f)),
                    other => out.push_str(&other.to_str()),
                }
            }
            Node::Widthratio(val, max, width, asvar) => {
                let result = self.widthratio(val, max, width)?;
                match asvar {
                    Some(var) => self.set(var, Value::str(result)),
                    None => out.push_str(&result),
                }
            }
            Node::Now(fmt, asvar) => {
                let text = super::dates::format(self.engine.options.now, fmt);
                match asvar {
                    Some(var) => self.set(var, Value::str(text)),
                    None => out.push_str(&text),
                }
            }
            Node::Static(e, asvar) => {
                let path = self.eval(e, false)?.to_str();
                let url = crate::dialect::static_url::static_url(&self.engine.options, &path);
                match asvar {
                    Some(var) => self.set(var, Value::str(url)),
                    None if self.autoescape => escape_into(&url, out),
                    None => out.push_str(&url),
                }
            }
            Node::Set(asvar, what) => {
                let v = self.special(what)?;
                match asvar {
                    Some(var) => self.set(var, v),
                    None => out.push_str(&v.to_str()),
                }
            }
            Node::Trans {
                expr,
                noop,
                asvar,
                context,
            } => {
                let context = match context {
                    Some(c) => Some(self.eval(c, false)?.to_str()),
                    None => None,
                };
                let mut v = match &expr.base {
                    Base::Lit(Lit::Str(s)) if !noop => {
                        Value::safe(self.gettext(context.as_deref(), &s.replace('%', "%%")))
                    }
                    Base::Var(parts, _) => {
                        let v = self.lookup(parts, true)?.unwrap_or_else(Value::empty);
                        if *noop {
                            v
                        } else {
                            self.translated(&v, context.as_deref())
                        }
                    }
                    _ => self.eval(
                        &Expr {
                            base: expr.base.clone(),
                            filters: Vec::new(),
                        },
                        false,
                    )?,
                };
                for f in &expr.filters {
                    let arg = match &f.arg {
                        None => None,
                        Some(Arg::Lit(l)) => Some(Value::safe(lit(l).to_str())),
                        Some(Arg::Var(parts, _)) => {
                            Some(self.lookup(parts, true)?.unwrap_or_else(Value::empty))
                        }
                    };
                    if !f.stub {
                        v = filters::apply(&f.name, v, arg, &self.env())?;
                    }
                }
                let r = self.rendered(&v);
                let text = r.to_str().replace("%%", "%");
                let r = Value::Str(text.into(), r.is_safe());
                match asvar {
                    Some(var) => self.set(var, r),
                    None => out.push_str(&r.to_str()),
                }
            }
            Node::BlockTrans(bt) => self.blocktrans(bt, out)?,
            Node::Url {
                name,
                asvar,
                template,
                line,
            } => {
                let name = self.eval(name, false)?.to_str();
                let path = if let Some(p) = self.engine.options.urls.get(name.as_ref()) {
                    p.clone()
                } else {
                    let stub = Stub {
                        kind: StubKind::Url,
                        name: name.to_string(),
                        template: template.to_string(),
                        line: *line,
                    };
                    if self.engine.options.strict {
                        return Err(crate::dialect::site::strict_error(&stub));
                    }
                    self.urls.push(stub);
                    "#".to_string()
                };
                match asvar {
                    Some(var) => self.set(var, Value::str(path)),
                    None if self.autoescape => escape_into(&path, out),
                    None => out.push_str(&path),
                }
            }
            Node::StubTag(asvar) => {
                if let Some(var) = asvar {
                    self.set(var, Value::empty());
                }
            }
            Node::IfChanged {
                exprs,
                body,
                other,
                id,
            } => {
                let key = (self.loops.last().copied().unwrap_or(0), *id);
                let (compare, rendered) = if exprs.is_empty() {
                    let mut inner = String::new();
                    self.nodes(body, &mut inner)?;
                    (vec![Value::str(inner.clone())], Some(inner))
                } else {
                    let mut vals = Vec::new();
                    for e in exprs {
                        vals.push(self.eval(e, true)?);
                    }
                    (vals, None)
                };
                let changed = match self.changed.get(&key) {
                    Some(prev) => {
                        prev.len() != compare.len()
                            || prev.iter().zip(&compare).any(|(a, b)| !a.py_eq(b))
                    }
                    None => true,
                };
                if changed {
                    self.changed.insert(key, compare);
                    match rendered {
                        Some(text) => out.push_str(&text),
                        None => self.nodes(body, out)?,
                    }
                } else {
                    self.nodes(other, out)?;
                }
            }
            Node::Regroup { target, by, asvar } => {
                let list = self.eval(target, true)?;
                let items = match &list {
                    Value::None => Vec::new(),
                    other => other.iter_items().unwrap_or_default(),
                };
                let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
                for item in items {
                    let mut key = Some(item.clone());
                    for p in by {
                        key = key.and_then(|k| attr(&k, p));
                    }
                    let key = key.unwrap_or(Value::None);
                    match groups.last_mut() {
                        Some((k, l)) if k.py_eq(&key) => l.push(item),
                        _ => groups.push((key, vec![item])),
                    }
                }
                let v = Value::List(Rc::new(
                    groups
                        .into_iter()
                        .map(|(k, l)| {
                            Value::Dict(Rc::new(vec![
                                ("grouper".into(), k),
                                ("list".into(), Value::List(Rc::new(l))),
                            ]))
                        })
                        .collect(),
                ));
                self.set(asvar, v);
            }
            Node::Lorem { count, method, .. } => {
                let n = self.eval(count, false)?.to_int().unwrap_or(1);
                out.push_str(&lorem(n, method));
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn for_loop(
        &mut self,
        vars: &[String],
        seq: &Expr,
        reversed: bool,
        body: &[Node],
        empty: &[Node],
        line: usize,
        out: &mut String,
    ) -> Result<()> {
        let values = self.eval(seq, true)?;
        let mut items = match &values {
            Value::None => Vec::new(),
            other => other.iter_items().ok_or_else(|| {
                self.err(
                    line,
                    format!(
                        "{{% for %}} over a value that is not a list: {}",
                        other.repr()
                    ),
                )
            })?,
        };
        if items.is_empty() {
            return self.nodes(empty, out);
        }
        if reversed {
            items.reverse();
        }
        let parent = self
            .lookup_name("forloop")
            .cloned()
            .unwrap_or_else(|| Value::Dict(Rc::new(Vec::new())));
        self.loop_serial += 1;
        self.loops.push(self.loop_serial);
        self.scopes.push(HashMap::new());
        let len = items.len() as i64;
        let r = (|| {
            for (i, item) in items.into_iter().enumerate() {
                let i = i as i64;
                let forloop = Value::Dict(Rc::new(vec![
                    ("parentloop".into(), parent.clone()),
                    ("counter0".into(), Value::Int(i)),
                    ("counter".into(), Value::Int(i + 1)),
                    ("revcounter".into(), Value::Int(len - i)),
                    ("revcounter0".into(), Value::Int(len - i - 1)),
                    ("first".into(), Value::Bool(i == 0)),
                    ("last".into(), Value::Bool(i == len - 1)),
                ]));
                self.set("forloop", forloop);
                if vars.len() > 1 {
                    let parts = match &item {
                        // `{% regroup %}`'s GroupedResult is a (grouper, list) tuple.
                        Value::Dict(d)
                            if d.len() == 2 && d[0].0 == "grouper" && d[1].0 == "list" =>
                        {
                            vec![d[0].1.clone(), d[1].1.clone()]
                        }
                        Value::List(_) | Value::Str(..) | Value::Dict(_) => {
                            item.iter_items().unwrap_or_default()
                        }
                        _ => vec![item.clone()],
                    };
                    if parts.len() != vars.len() {
                        bail!(self.err(
                            line,
                            format!(
                                "need {} values to unpack in for loop; got {}",
                                vars.len(),
                                parts.len()
                            )
                        ));
                    }
                    self.scopes.push(vars.iter().cloned().zip(parts).collect());
                    let r = self.nodes(body, out);
                    self.scopes.pop();
                    r?;
                } else {
                    self.set(&vars[0], item);
                    self.nodes(body, out)?;
                }
            }
            Ok(())
        })();
        self.scopes.pop();
        self.loops.pop();
        r
    }

    fn include(
        &mut self,
        name: &Expr,
        with: &[(String, Expr)],
        only: bool,
        line: usize,
        out: &mut String,
    ) -> Result<()> {
        let v = self.eval(name, false)?;
        let names: Vec<Rc<str>> = match &v {
            Value::List(l) => l.iter().map(Value::to_str).collect(),
            other => vec![other.to_str()],
        };
        if names.iter().all(|n| n.is_empty()) {
            bail!(self.err(
                line,
                "{% include %} names no template (the value is empty or undefined)"
            ));
        }
        let mut found = None;
        for n in &names {
            if let Some(t) = self.load(n)? {
                found = Some(t);
                break;
            }
        }
        let t = found.ok_or_else(|| {
            self.err(
                line,
                format!("included template \"{}\" not found", names.join("\", \"")),
            )
        })?;
        let mut values = HashMap::new();
        for (k, e) in with {
            values.insert(k.clone(), self.eval(e, false)?);
        }
        if only {
            let saved = std::mem::replace(&mut self.scopes, vec![builtins(), values]);
            let r = self.template(&t, out);
            self.scopes = saved;
            r
        } else {
            self.scopes.push(values);
            let r = self.template(&t, out);
            self.scopes.pop();
            r
        }
    }

    fn widthratio(&mut self, val: &Expr, max: &Expr, width: &Expr) -> Result<String> {
        let w = self.eval(width, false)?;
        let Some(w) = (match &w {
            Value::Str(s, _) => super::value::parse_int(s),
            other => other.to_int(),
        }) else {
            bail!("widthratio final argument must be a number");
        };
        let num = |v: Value| match &v {
            Value::Str(s, _) => super::value::parse_float(s),
            other => other.as_f64(),
        };
        let (Some(v), Some(m)) = (num(self.eval(val, false)?), num(self.eval(max, false)?)) else {
            return Ok(String::new());
        };
        if m == 0.0 {
            return Ok("0".into());
        }
        let ratio = v / m * w as f64;
        if !ratio.is_finite() {
            return Ok(String::new());
        }
        Ok(format!("{}", round_half_even(ratio)))
    }

    fn special(&mut self, what: &Special) -> Result<Value> {
        let o = &self.engine.options;
        Ok(match what {
            Special::StaticPrefix => {
                Value::str(crate::dialect::static_url::script_prefixed(&o.static_url))
            }
            Special::MediaPrefix => Value::str("/"),
            Special::CurrentLanguage => Value::str(o.lang.as_str()),
            Special::CurrentLanguageBidi => Value::Bool(crate::language::django_bidi(&o.lang)),
            Special::AvailableLanguages if o.languages.is_empty() => {
                Value::List(Rc::new(vec![Value::List(Rc::new(vec![
                    Value::str(o.lang.as_str()),
                    Value::str(self.gettext(None, &o.lang_name)),
                ]))]))
            }
            Special::AvailableLanguages => Value::List(Rc::new(
                o.languages
                    .iter()
                    .map(|(code, name)| {
                        // Django translates each name (`gettext(name)`) in the current language.
                        Value::List(Rc::new(vec![
                            Value::str(code.as_str()),
                            Value::str(self.gettext(None, name)),
                        ]))
                    })
                    .collect(),
            )),
            Special::CurrentTimezone => Value::str("UTC"),
            Special::LanguageInfo(e) => {
                let code = self.eval(e, false)?.to_str();
                self.language_info(&code)?
            }
            Special::LanguageInfoList(e) => {
                let v = self.eval(e, false)?;
                let mut list = Vec::new();
                for item in v.iter_items().unwrap_or_default() {
                    let code = match &item {
                        Value::List(l) => l.first().map(Value::to_str).unwrap_or_default(),
                        other => other.to_str(),
                    };
                    list.push(self.language_info(&code)?);
                }
                Value::List(Rc::new(list))
            }
        })
    }

    fn language_info(&self, code: &str) -> Result<Value> {
        let o = &self.engine.options;
        let (name, local) = if code == "en" {
            ("English".to_string(), "English".to_string())
        } else if code == o.lang {
            (o.lang_name.clone(), o.lang_name.clone())
        } else {
            bail!("unknown language code {code}");
        };
        Ok(Value::Dict(Rc::new(vec![
            ("bidi".into(), Value::Bool(false)),
            ("code".into(), Value::str(code)),
            ("name".into(), Value::str(name.clone())),
            ("name_local".into(), Value::str(local)),
            ("name_translated".into(), Value::str(name)),
        ])))
    }

    fn blocktrans(&mut self, bt: &BlockTrans, out: &mut String) -> Result<()> {
        let context = match &bt.context {
            Some(c) => Some(self.eval(c, false)?.to_str().to_string()),
            None => None,
        };
        let mut scope = HashMap::new();
        for (k, e) in &bt.with {
            scope.insert(k.clone(), self.eval(e, false)?);
        }
        self.scopes.push(scope);
        let r = (|| {
            let (singular, mut vars) = token_list(&bt.singular, bt.trimmed);
            let mut msg = None;
            if let Some((var, e)) = &bt.count
                && !bt.plural.is_empty()
            {
                let n = self.eval(e, false)?;
                if !matches!(n, Value::Int(_) | Value::Float(_) | Value::Bool(_)) {
                    bail!(self.err(
                        bt.line,
                        format!("'{var}' argument to blocktranslate must be a number")
                    ));
                }
                self.set(var, n.clone());
                let (plural, pvars) = token_list(&bt.plural, bt.trimmed);
                msg = Some(self.ngettext(context.as_deref(), &singular, &plural, &n));
                vars.extend(pvars);
            }
            let msg = match msg {
                Some(m) => m,
                None => self.gettext(context.as_deref(), &singular),
            };
            let mut data = HashMap::new();
            for v in vars {
                let val = self.lookup_name(&v).cloned().unwrap_or_else(Value::empty);
                data.insert(v, self.rendered(&val).to_str());
            }
            Ok(percent_format(&msg, &data))
        })();
        self.scopes.pop();
        let text = r?;
        match &bt.asvar {
            Some(var) => self.set(var, Value::safe(text)),
            None => out.push_str(&text),
        }
        Ok(())
    }
}

impl Render<'_> {
    /// Django's `gettext` / `pgettext` in the current language: `\r\n` and `\r` read as
    /// `\n`, an empty msgid gives `""`, a message no catalog has stays as written (`pgettext`
    /// does not fall back to the message without its context).
    fn gettext(&self, context: Option<&str>, msgid: &str) -> String {
        let msgid = msgid.replace("\r\n", "\n").replace('\r', "\n");
        if msgid.is_empty() {
            return msgid;
        }
        self.engine
            .options
            .translations
            .gettext(context, &msgid)
            .unwrap_or(msgid)
    }

    /// Django's `ngettext` / `npgettext` for a count: `npgettext` whose contextual message is
    /// missing falls back to `ngettext` without the context; untranslated, gettext's `n == 1`.
    fn ngettext(&self, context: Option<&str>, singular: &str, plural: &str, n: &Value) -> String {
        let one = n.as_f64() == Some(1.0);
        let n = n.as_f64().unwrap_or(0.0);
        let count = if n.is_finite() && n >= 0.0 {
            n as u64
        } else {
            0
        };
        let t = &self.engine.options.translations;
        context
            .and_then(|c| t.ngettext(Some(c), singular, plural, count))
            .or_else(|| t.ngettext(None, singular, plural, count))
            .unwrap_or_else(|| if one { singular } else { plural }.to_string())
    }

    /// Django's `Variable` with `translate`: `value.replace("%", "%%")` looked up, keeping
    /// the safe mark (`_(…)`, `{% trans var %}`).
    fn translated(&self, v: &Value, context: Option<&str>) -> Value {
        match v {
            Value::Str(s, safe) => {
                Value::Str(self.gettext(context, &s.replace('%', "%%")).into(), *safe)
            }
            other => other.clone(),
        }
    }
}

/// Django's `_resolve_lookup` step on JSON-made values.
fn attr(cur: &Value, p: &str) -> Option<Value> {
    match cur {
        Value::Dict(d) => {
            if let Some((_, v)) = d.iter().find(|(k, _)| k == p) {
                return Some(v.clone());
            }
            Some(match p {
                "items" => Value::List(Rc::new(
                    d.iter()
                        .map(|(k, v)| Value::List(Rc::new(vec![Value::str(k.as_str()), v.clone()])))
                        .collect(),
                )),
                "keys" => Value::List(Rc::new(
                    d.iter().map(|(k, _)| Value::str(k.as_str())).collect(),
                )),
                "values" => Value::List(Rc::new(d.iter().map(|(_, v)| v.clone()).collect())),
                "get" | "pop" | "setdefault" | "update" | "fromkeys" => Value::empty(),
                _ => return None,
            })
        }
        Value::List(l) => {
            let i = super::value::parse_int(p)?;
            let idx = if i < 0 { i + l.len() as i64 } else { i };
            l.get(usize::try_from(idx).ok()?).cloned()
        }
        Value::Str(s, _) => Some(match p {
            "upper" => Value::str(s.to_uppercase()),
            "lower" => Value::str(s.to_lowercase()),
            "strip" => Value::str(s.trim()),
            "lstrip" => Value::str(s.trim_start()),
            "rstrip" => Value::str(s.trim_end()),
            "split" => Value::List(Rc::new(s.split_whitespace().map(Value::str).collect())),
            "isdigit" => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
            "isalpha" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
            "capitalize" => {
                let mut c = s.chars();
                Value::str(match c.next() {
                    Some(f) => format!("{}{}", f.to_uppercase(), c.as_str().to_lowercase()),
                    None => String::new(),
                })
            }
            _ => {
                let i = super::value::parse_int(p)?;
                let chars: Vec<char> = s.chars().collect();
                let idx = if i < 0 { i + chars.len() as i64 } else { i };
                Value::str(chars.get(usize::try_from(idx).ok()?)?.to_string())
            }
        }),
        _ => None,
    }
}

/// Python's `is` for the values a template can hold.
fn is(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y && (-5..=256).contains(x),
        _ => false,
    }
}

fn strip_spaces_between_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('>') {
        out.push_str(&rest[..=i]);
        let after = &rest[i + 1..];
        let trimmed = after.trim_start();
        if trimmed.len() < after.len() && trimmed.starts_with('<') {
            rest = trimmed;
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[allow(clippy::float_cmp)] // an exact half is what Python's round() looks for
fn round_half_even(x: f64) -> i64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        let t = x.trunc();
        if (t as i64) % 2 == 0 {
            t as i64
        } else {
            r as i64
        }
    } else {
        r as i64
    }
}

/// A blocktranslate body as a `%`-format message and its variables.
fn token_list(pieces: &[Piece], trimmed: bool) -> (String, Vec<String>) {
    let mut msg = String::new();
    let mut vars = Vec::new();
    for p in pieces {
        match p {
            Piece::Text(t) => msg.push_str(&t.replace('%', "%%")),
            Piece::Var(v) => {
                msg.push_str(&format!("%({v})s"));
                vars.push(v.clone());
            }
        }
    }
    if trimmed {
        msg = trim_whitespace(&msg);
    }
    (msg, vars)
}

/// Django's `trim_whitespace`: `\s*\n\s*` → one space, ends stripped.
fn trim_whitespace(s: &str) -> String {
    let s = s.trim();
    let mut out = String::with_capacity(s.len());
    let mut pending = String::new();
    let mut has_newline = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending.push(c);
            if c == '\n' {
                has_newline = true;
            }
        } else {
            if has_newline {
                out.push(' ');
            } else {
                out.push_str(&pending);
            }
            pending.clear();
            has_newline = false;
            out.push(c);
        }
    }
    out
}

/// Python's `msg % data` for `%%` and `%(name)s`.
fn percent_format(msg: &str, data: &HashMap<String, Rc<str>>) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('%') {
            out.push('%');
            rest = a;
        } else if let Some(a) = after.strip_prefix('(')
            && let Some(end) = a.find(")s")
        {
            out.push_str(data.get(&a[..end]).map_or("", |v| v.as_ref()));
            rest = &a[end + 2..];
        } else {
            out.push('%');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

const LOREM_P: &str = "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.";
const LOREM_WORDS: &[&str] = &[
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipisicing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
];

/// `{% lorem %}` without `random` (the common words and paragraph; more are not reproduced).
fn lorem(n: i64, method: &str) -> String {
    let n = n.max(0) as usize;
    match method {
        "w" => LOREM_WORDS
            .iter()
            .cycle()
            .take(n)
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
        "p" => vec![format!("<p>{LOREM_P}</p>"); n].join("\n\n"),
        _ => vec![LOREM_P; n].join("\n\n"),
    }
}
