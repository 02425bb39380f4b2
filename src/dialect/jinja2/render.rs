//! Rendering a parsed Jinja2 template: scopes (template context, loop/macro/block frames),
//! inheritance (`extends`, blocks, `super()`), include/import, macros and `caller()`, loops,
//! and expression evaluation with the contract's undefined.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};

use super::ast::{Args, Block, Expr, For, Lit, Macro, Node, Target, Template};
use super::value::{Dict, Value, Vars, escape_value};
use super::{Engine, filters, globals, methods, predicates};
use crate::dialect::{Stub, StubKind};

/// An error that already names its template and line.
#[derive(Debug)]
pub struct Located(pub String);
impl std::fmt::Display for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Located {}

fn locate(e: anyhow::Error, tpl: &str, line: usize) -> anyhow::Error {
    if e.is::<Located>() {
        e
    } else {
        anyhow::Error::new(Located(format!("{tpl} line {line}: {e:#}")))
    }
}

/// Includes, extends and macro calls deeper than this are an error, not a stack overflow.
const MAX_DEPTH: usize = 100;

pub enum Callable {
    Macro {
        def: Arc<Macro>,
        scope: Frame,
    },
    Method(Value, String),
    Global(&'static str),
    /// `super()` / `self.name()`: block `name` at `index` of the block chain.
    Block(Rc<Ctx>, String, usize),
    /// `self`
    SelfRef(Rc<Ctx>),
}

pub struct LoopState {
    pub index0: Cell<usize>,
    pub items: Vec<Value>,
    pub depth0: usize,
    pub changed: RefCell<Option<Vec<Value>>>,
    pub recursive: Option<Arc<For>>,
}

/// A block's definitions, the child's first (with the template each comes from).
pub type BlockChain = Vec<(Arc<Block>, Arc<Template>)>;

/// A template context (Jinja2's `Context`): shared by a template and the templates it extends.
pub struct Ctx {
    pub vars: RefCell<Vars>,
    pub exported: RefCell<Vec<String>>,
    pub parent: Rc<Vars>,
    pub blocks: RefCell<Vec<(String, BlockChain)>>,
    /// The template the context was made for (Jinja2's `Context.name`).
    pub name: RefCell<String>,
}

impl Ctx {
    /// Appends a template's blocks to the chains (a child's come first).
    fn add_blocks(&self, tpl: &Arc<Template>) {
        let mut chains = self.blocks.borrow_mut();
        for blk in &tpl.blocks {
            let entry = (blk.clone(), tpl.clone());
            match chains.iter_mut().find(|(n, _)| *n == blk.name) {
                Some((_, chain)) => chain.push(entry),
                None => chains.push((blk.name.clone(), vec![entry])),
            }
        }
    }

    /// Block `name` at `index` of its chain.
    fn block(&self, name: &str, index: usize) -> Option<(Arc<Block>, Arc<Template>)> {
        let chains = self.blocks.borrow();
        let (_, chain) = chains.iter().find(|(n, _)| n == name)?;
        chain.get(index).cloned()
    }

    pub fn new(parent: Rc<Vars>) -> Rc<Ctx> {
        Rc::new(Ctx {
            vars: RefCell::new(Vars::default()),
            exported: RefCell::new(vec![]),
            parent,
            blocks: RefCell::new(vec![]),
            name: RefCell::new(String::new()),
        })
    }
}

/// Where code runs: its context, local frames, template and autoescape mode.
#[derive(Clone)]
pub struct Frame {
    pub ctx: Rc<Ctx>,
    pub locals: Vec<Vars>,
    pub tpl: Arc<Template>,
    pub autoescape: bool,
    pub block: Option<(String, usize)>,
}

enum Flow {
    Normal,
    Break,
    Continue,
}

pub struct CallArgs {
    pub pos: Vec<Value>,
    pub kw: Vec<(String, Value)>,
}

impl CallArgs {
    /// Argument `i` by position or `name` by keyword.
    pub fn get(&self, i: usize, name: &str) -> Option<Value> {
        self.kw
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| self.pos.get(i).cloned())
    }
}

/// One render (one page): the engine, and what it met.
pub struct Run<'e> {
    pub eng: &'e Engine,
    pub stubs: RefCell<Vec<Stub>>,
    loaded: RefCell<Vec<String>>,
    depth: Cell<usize>,
    pub at: RefCell<(String, usize)>,
}

impl<'e> Run<'e> {
    pub fn new(eng: &'e Engine) -> Self {
        Run {
            eng,
            stubs: RefCell::new(vec![]),
            loaded: RefCell::new(vec![]),
            depth: Cell::new(0),
            at: RefCell::new((String::new(), 0)),
        }
    }

    /// A template by name, its stubs recorded (or, strict, the first one an error).
    pub fn load(&self, name: &str) -> Result<Option<Arc<Template>>> {
        let Some(t) = self.eng.templates.get(name) else {
            return Ok(None);
        };
        let t = t
            .as_ref()
            .map_err(|e| anyhow::Error::new(Located(e.clone())))?;
        if !self.loaded.borrow().iter().any(|n| n == name) {
            self.loaded.borrow_mut().push(name.to_string());
            for (kind, stub, line) in &t.stubs {
                if self.eng.options.strict {
                    return Err(anyhow::Error::new(Located(super::strict_message(
                        *kind, stub, name, *line,
                    ))));
                }
                self.stubs.borrow_mut().push(Stub {
                    kind: *kind,
                    name: stub.clone(),
                    template: name.to_string(),
                    line: *line,
                });
            }
        }
        Ok(Some(t.clone()))
    }

    fn enter(&self) -> Result<()> {
        self.depth.set(self.depth.get() + 1);
        if self.depth.get() > MAX_DEPTH {
            bail!(
                "templates extend, include or call each other more than {MAX_DEPTH} levels deep (a template that includes or extends itself?)"
            );
        }
        Ok(())
    }
    fn leave(&self) {
        self.depth.set(self.depth.get() - 1);
    }

    /// Renders `tpl` as the root of a context (its blocks first in the chains).
    pub fn render_template(
        &self,
        tpl: &Arc<Template>,
        ctx: Rc<Ctx>,
        out: &mut String,
    ) -> Result<()> {
        if ctx.name.borrow().is_empty() {
            *ctx.name.borrow_mut() = tpl.name.clone();
        }
        {
            ctx.add_blocks(tpl);
        }
        self.exec_root(tpl, ctx, out)
    }

    fn exec_root(&self, tpl: &Arc<Template>, ctx: Rc<Ctx>, out: &mut String) -> Result<()> {
        self.enter()?;
        let mut f = Frame {
            ctx: ctx.clone(),
            locals: vec![],
            tpl: tpl.clone(),
            autoescape: tpl.autoescape,
            block: None,
        };
        let mut parent: Option<Arc<Template>> = None;
        let mut sink = String::new();
        for node in &tpl.body {
            if let Node::Extends(e, line) = node {
                let line = *line;
                if parent.is_some() {
                    return Err(locate(anyhow!("extended multiple times"), &tpl.name, line));
                }
                let v = self
                    .eval(&mut f, e)
                    .map_err(|e| locate(e, &tpl.name, line))?;
                let p = self
                    .load_named(&v, false)
                    .map_err(|e| locate(e, &tpl.name, line))?
                    .ok_or_else(|| locate(anyhow!("template not found"), &tpl.name, line))?;
                ctx.add_blocks(&p);
                parent = Some(p);
                continue;
            }
            if parent.is_some() {
                if matches!(node, Node::Block(..) | Node::Data(_) | Node::Output(..)) {
                    continue;
                }
                sink.clear();
                self.exec(&mut f, node, &mut sink)?;
            } else {
                self.exec(&mut f, node, out)?;
            }
        }
        if let Some(p) = parent {
            self.exec_root(&p, ctx, out)?;
        }
        self.leave();
        Ok(())
    }

    /// A template named by a value (a name, or a list: the first that exists).
    fn load_named(&self, v: &Value, ignore_missing: bool) -> Result<Option<Arc<Template>>> {
        let names: Vec<Value> = match v {
            Value::List(_) | Value::Tuple(_) => v.iter()?,
            v => vec![v.clone()],
        };
        for n in &names {
            let name = match n {
                Value::Str(s) | Value::Markup(s) => s.to_string(),
                Value::Undefined => bail!("the template name is undefined"),
                other => bail!(
                    "a template name must be a string, not {}",
                    other.type_name()
                ),
            };
            if let Some(t) = self.load(&name)? {
                return Ok(Some(t));
            }
        }
        if ignore_missing {
            return Ok(None);
        }
        let shown: Vec<String> = names.iter().map(super::value::Value::to_str).collect();
        bail!(
            "template {:?} not found in DOWNPAGE_TEMPLATE_DIR",
            shown.join(", ")
        )
    }

    fn exec_all(&self, f: &mut Frame, nodes: &[Node], out: &mut String) -> Result<Flow> {
        for n in nodes {
            match self.exec(f, n, out)? {
                Flow::Normal => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Normal)
    }

    fn exec(&self, f: &mut Frame, node: &Node, out: &mut String) -> Result<Flow> {
        let line = match node {
            Node::Output(_, l)
            | Node::If(_, _, l)
            | Node::For(_, l)
            | Node::Set(_, _, l)
            | Node::SetBlock(_, _, _, l)
            | Node::Block(_, l)
            | Node::Extends(_, l)
            | Node::CallBlock(_, _, l)
            | Node::FilterBlock(_, _, l)
            | Node::With(_, _, l)
            | Node::Autoescape(_, _, l)
            | Node::Do(_, l) => *l,
            Node::Include { line, .. }
            | Node::Import { line, .. }
            | Node::FromImport { line, .. } => *line,
            _ => 0,
        };
        if line > 0 {
            *self.at.borrow_mut() = (f.tpl.name.clone(), line);
        }
        let tpl = f.tpl.clone();
        self.exec_inner(f, node, out)
            .map_err(|e| locate(e, &tpl.name, line))
    }

    fn exec_inner(&self, f: &mut Frame, node: &Node, out: &mut String) -> Result<Flow> {
        match node {
            Node::Data(d) => out.push_str(d),
            Node::Output(e, _) => {
                let v = self.eval(f, e)?;
                if f.autoescape {
                    out.push_str(&escape_value(&v));
                } else {
                    out.push_str(&v.to_str());
                }
            }
            Node::If(arms, else_, _) => {
                for (c, body) in arms {
                    if self.eval(f, c)?.truthy() {
                        return self.exec_all(f, body, out);
                    }
                }
                return self.exec_all(f, else_, out);
            }
            Node::For(node, _) => {
                let it = self.eval(f, &node.iter)?;
                self.exec_for(f, node, it, 0, out)?;
            }
            Node::Set(t, e, _) => {
                let v = self.eval(f, e)?;
                self.assign(f, t, v)?;
            }
            Node::SetBlock(t, filters, body, _) => {
                let mut s = String::new();
                let mut inner = f.clone();
                inner.locals.push(Vars::default());
                self.exec_all(&mut inner, body, &mut s)?;
                let mut v = if f.autoescape {
                    Value::markup(s)
                } else {
                    Value::string(s)
                };
                for flt in filters {
                    v = self.apply_filter_expr(f, flt, v)?;
                }
                self.assign(f, t, v)?;
            }
            Node::Block(name, _) => {
                let first = f.ctx.block(name, 0);
                if let Some((blk, tpl)) = first {
                    self.exec_block(f, &blk, &tpl, 0, out)?;
                }
            }
            Node::Extends(..) => bail!("extends is only allowed at the top level of a template"),
            Node::Include {
                name,
                ignore_missing,
                context,
                ..
            } => {
                let v = self.eval(f, name)?;
                if let Some(t) = self.load_named(&v, *ignore_missing)? {
                    let parent = if *context {
                        Rc::new(self.all_vars(f))
                    } else {
                        Rc::new(Vars::default())
                    };
                    self.render_template(&t, Ctx::new(parent), out)?;
                }
            }
            Node::Import {
                name,
                target,
                context,
                ..
            } => {
                let m = self.import(f, name, *context)?;
                self.assign(f, &Target::Name(target.clone()), Value::Module(m))?;
            }
            Node::FromImport {
                name,
                names,
                context,
                ..
            } => {
                let m = self.import(f, name, *context)?;
                for (n, alias) in names {
                    let v = m.get(n).cloned().unwrap_or(Value::Undefined);
                    self.assign(f, &Target::Name(alias.clone()), v)?;
                }
            }
            Node::Macro(def) => {
                let v = Value::Func(Rc::new(Callable::Macro {
                    def: def.clone(),
                    scope: f.clone(),
                }));
                self.assign(f, &Target::Name(def.name.clone()), v)?;
            }
            Node::CallBlock(call, def, _) => {
                let caller = Value::Func(Rc::new(Callable::Macro {
                    def: def.clone(),
                    scope: f.clone(),
                }));
                let Expr::Call(callee, args) = call else {
                    bail!("expected a call");
                };
                let fv = self.eval(f, callee)?;
                let mut a = self.eval_args(f, args)?;
                a.kw.push(("caller".into(), caller));
                let v = self.call(f, &fv, a)?;
                out.push_str(&v.to_str());
            }
            Node::FilterBlock(filters, body, _) => {
                let mut s = String::new();
                let mut inner = f.clone();
                inner.locals.push(Vars::default());
                self.exec_all(&mut inner, body, &mut s)?;
                let mut v = if f.autoescape {
                    Value::markup(s)
                } else {
                    Value::string(s)
                };
                for flt in filters {
                    v = self.apply_filter_expr(f, flt, v)?;
                }
                out.push_str(&v.to_str());
            }
            Node::With(pairs, body, _) => {
                let mut vals = vec![];
                for (t, e) in pairs {
                    vals.push((t, self.eval(f, e)?));
                }
                let mut inner = f.clone();
                inner.locals.push(Vars::default());
                for (t, v) in vals {
                    self.assign(&mut inner, t, v)?;
                }
                return self.exec_all(&mut inner, body, out);
            }
            Node::Autoescape(e, body, _) => {
                let on = self.eval(f, e)?.truthy();
                let saved = f.autoescape;
                f.autoescape = on;
                let r = self.exec_all(f, body, out);
                f.autoescape = saved;
                return r;
            }
            Node::Do(e, _) => {
                self.eval(f, e)?;
            }
            Node::Break => return Ok(Flow::Break),
            Node::Continue => return Ok(Flow::Continue),
            Node::Seq(nodes) => return self.exec_all(f, nodes, out),
        }
        Ok(Flow::Normal)
    }

    fn import(&self, f: &mut Frame, name: &Expr, context: bool) -> Result<Rc<Vars>> {
        let v = self.eval(f, name)?;
        let t = self
            .load_named(&v, false)?
            .ok_or_else(|| anyhow!("template not found"))?;
        let parent = if context {
            Rc::new(self.all_vars(f))
        } else {
            Rc::new(Vars::default())
        };
        let ctx = Ctx::new(parent);
        let mut sink = String::new();
        self.render_template(&t, ctx.clone(), &mut sink)?;
        let vars = ctx.vars.borrow();
        let mut m = Vars::default();
        for n in ctx.exported.borrow().iter() {
            if let Some(v) = vars.get(n) {
                m.insert(n.clone(), v.clone());
            }
        }
        Ok(Rc::new(m))
    }

    /// Everything visible here, for an include or import with context.
    fn all_vars(&self, f: &Frame) -> Vars {
        let mut m = (*f.ctx.parent).clone();
        for (k, v) in f.ctx.vars.borrow().iter() {
            m.insert(k.clone(), v.clone());
        }
        for l in &f.locals {
            for (k, v) in l.iter() {
                m.insert(k.clone(), v.clone());
            }
        }
        m
    }

    fn exec_block(
        &self,
        f: &Frame,
        blk: &Arc<Block>,
        tpl: &Arc<Template>,
        index: usize,
        out: &mut String,
    ) -> Result<()> {
        self.enter()?;
        let mut bf = Frame {
            ctx: f.ctx.clone(),
            locals: if blk.scoped { f.locals.clone() } else { vec![] },
            tpl: tpl.clone(),
            autoescape: tpl.autoescape,
            block: Some((blk.name.clone(), index)),
        };
        bf.locals.push(Vars::default());
        if blk.required {
            bail!("required block '{}' not found", blk.name);
        }
        self.exec_all(&mut bf, &blk.body, out)?;
        self.leave();
        Ok(())
    }

    fn exec_for(
        &self,
        f: &mut Frame,
        node: &Arc<For>,
        it: Value,
        depth0: usize,
        out: &mut String,
    ) -> Result<()> {
        let mut items = match &it {
            Value::None => bail!("'NoneType' object is not iterable"),
            v => v.iter()?,
        };
        f.locals.push(Vars::default());
        if let Some(c) = &node.cond {
            let mut kept = vec![];
            for item in items {
                self.assign_local(f, &node.target, item.clone())?;
                if self.eval(f, c)?.truthy() {
                    kept.push(item);
                }
            }
            items = kept;
        }
        let state = Rc::new(LoopState {
            index0: Cell::new(0),
            items: items.clone(),
            depth0,
            changed: RefCell::new(None),
            recursive: node.recursive.then(|| node.clone()),
        });
        let mut r = Ok(());
        for (i, item) in items.iter().enumerate() {
            state.index0.set(i);
            if let Some(l) = f.locals.last_mut() {
                l.insert("loop".into(), Value::Loop(state.clone()));
            }
            if let Err(e) = self.assign_local(f, &node.target, item.clone()) {
                r = Err(e);
                break;
            }
            match self.exec_all(f, &node.body, out) {
                Ok(Flow::Break) => break,
                Ok(_) => {}
                Err(e) => {
                    r = Err(e);
                    break;
                }
            }
        }
        f.locals.pop();
        r?;
        if items.is_empty() {
            self.exec_all(f, &node.else_, out)?;
        }
        Ok(())
    }

    fn assign_local(&self, f: &mut Frame, t: &Target, v: Value) -> Result<()> {
        match t {
            Target::Name(n) => {
                if let Some(l) = f.locals.last_mut() {
                    l.insert(n.clone(), v);
                }
            }
            Target::Tuple(ts) => {
                let items = v.iter()?;
                if items.len() != ts.len() {
                    bail!(
                        "cannot unpack {} values into {} names",
                        items.len(),
                        ts.len()
                    );
                }
                for (t, v) in ts.iter().zip(items) {
                    self.assign_local(f, t, v)?;
                }
            }
            Target::Attr(..) => self.assign(f, t, v)?,
        }
        Ok(())
    }

    /// `{% set %}`: a local in a frame, else the template's context (exported).
    fn assign(&self, f: &mut Frame, t: &Target, v: Value) -> Result<()> {
        match t {
            Target::Attr(ns, attr) => match self.lookup(f, ns) {
                Value::Namespace(d) => {
                    d.borrow_mut().insert(Value::str(attr), v);
                    Ok(())
                }
                _ => bail!("cannot assign attribute on non-namespace object"),
            },
            _ if !f.locals.is_empty() => self.assign_local(f, t, v),
            Target::Name(n) => {
                f.ctx.vars.borrow_mut().insert(n.clone(), v);
                if !n.starts_with('_') {
                    let mut ex = f.ctx.exported.borrow_mut();
                    if !ex.contains(n) {
                        ex.push(n.clone());
                    }
                }
                Ok(())
            }
            Target::Tuple(ts) => {
                let items = v.iter()?;
                if items.len() != ts.len() {
                    bail!(
                        "cannot unpack {} values into {} names",
                        items.len(),
                        ts.len()
                    );
                }
                for (t, v) in ts.iter().zip(items) {
                    self.assign(f, t, v)?;
                }
                Ok(())
            }
        }
    }

    pub fn lookup(&self, f: &Frame, name: &str) -> Value {
        for l in f.locals.iter().rev() {
            if let Some(v) = l.get(name) {
                return v.clone();
            }
        }
        if let Some(v) = f.ctx.vars.borrow().get(name) {
            return v.clone();
        }
        if let Some(v) = f.ctx.parent.get(name) {
            return v.clone();
        }
        match name {
            "super" => {
                if let Some((b, i)) = &f.block {
                    let has = f.ctx.block(b, i + 1).is_some();
                    if has {
                        return Value::Func(Rc::new(Callable::Block(
                            f.ctx.clone(),
                            b.clone(),
                            i + 1,
                        )));
                    }
                }
                Value::Undefined
            }
            "self" => Value::Func(Rc::new(Callable::SelfRef(f.ctx.clone()))),
            n => match globals::NAMES.iter().find(|g| **g == n) {
                Some(g) => Value::Func(Rc::new(Callable::Global(g))),
                None => Value::Undefined,
            },
        }
    }

    // ------------------------------------------------------------------ expressions

    pub fn eval(&self, f: &mut Frame, e: &Expr) -> Result<Value> {
        Ok(match e {
            Expr::Lit(l) => match l {
                Lit::None => Value::None,
                Lit::Bool(b) => Value::Bool(*b),
                Lit::Int(i) => Value::Int(*i),
                Lit::Float(x) => Value::Float(*x),
                Lit::Str(s) => Value::str(s),
            },
            Expr::Name(n) => self.lookup(f, n),
            Expr::List(items) => {
                let mut v = vec![];
                for i in items {
                    v.push(self.eval(f, i)?);
                }
                Value::list(v)
            }
            Expr::Tuple(items) => {
                let mut v = vec![];
                for i in items {
                    v.push(self.eval(f, i)?);
                }
                Value::Tuple(Rc::new(v))
            }
            Expr::Dict(items) => {
                let mut d = Dict::default();
                for (k, v) in items {
                    let k = self.eval(f, k)?;
                    let v = self.eval(f, v)?;
                    d.insert(k, v);
                }
                Value::dict(d)
            }
            Expr::Attr(o, n) => {
                let v = self.eval(f, o)?;
                getattr(&v, n)
            }
            Expr::Item(o, k) => {
                let v = self.eval(f, o)?;
                let k = self.eval(f, k)?;
                getitem(&v, &k)
            }
            Expr::Slice(o, parts) => {
                let v = self.eval(f, o)?;
                let mut p = [None, None, None];
                for (i, e) in parts.iter().enumerate() {
                    if let Some(e) = e {
                        p[i] = match self.eval(f, e)? {
                            Value::None => None,
                            x => Some(
                                x.int()
                                    .ok_or_else(|| anyhow!("slice indices must be integers"))?,
                            ),
                        };
                    }
                }
                slice(&v, p[0], p[1], p[2])?
            }
            Expr::Call(callee, args) => {
                let c = self.eval(f, callee)?;
                let a = self.eval_args(f, args)?;
                self.call(f, &c, a)?
            }
            Expr::Filter(v, name, args) => {
                let input = match v {
                    Some(v) => self.eval(f, v)?,
                    None => Value::Undefined,
                };
                let a = self.eval_args(f, args)?;
                filters::apply(self, f, name, input, a)?
            }
            Expr::Test(v, name, args, neg) => {
                let input = self.eval(f, v)?;
                let a = self.eval_args(f, args)?;
                let r = predicates::apply(self, f, name, &input, a)?;
                Value::Bool(r != *neg)
            }
            Expr::Neg(x) => match self.eval(f, x)? {
                Value::Int(i) => {
                    Value::Int(i.checked_neg().ok_or_else(|| anyhow!("integer overflow"))?)
                }
                Value::Bool(b) => Value::Int(-i64::from(b)),
                Value::Float(x) => Value::Float(-x),
                v => bail!("bad operand type for unary -: '{}'", v.type_name()),
            },
            Expr::Pos(x) => match self.eval(f, x)? {
                v @ (Value::Int(_) | Value::Float(_)) => v,
                Value::Bool(b) => Value::Int(i64::from(b)),
                v => bail!("bad operand type for unary +: '{}'", v.type_name()),
            },
            Expr::Not(x) => Value::Bool(!self.eval(f, x)?.truthy()),
            Expr::And(a, b) => {
                let a = self.eval(f, a)?;
                if a.truthy() { self.eval(f, b)? } else { a }
            }
            Expr::Or(a, b) => {
                let a = self.eval(f, a)?;
                if a.truthy() { a } else { self.eval(f, b)? }
            }
            Expr::Bin(op, a, b) => {
                let a = self.eval(f, a)?;
                let b = self.eval(f, b)?;
                binop(op, a, b)?
            }
            Expr::Cmp(first, ops) => {
                let mut left = self.eval(f, first)?;
                for (op, e) in ops {
                    let right = self.eval(f, e)?;
                    if !compare(op, &left, &right)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                }
                Value::Bool(true)
            }
            Expr::Concat(parts) => {
                let mut vals = vec![];
                for p in parts {
                    vals.push(self.eval(f, p)?);
                }
                if f.autoescape && vals.iter().any(Value::is_safe) && !parts.iter().all(is_const) {
                    Value::markup(vals.iter().map(escape_value).collect())
                } else {
                    Value::string(vals.iter().map(Value::to_str).collect())
                }
            }
            Expr::Cond(test, a, b) => {
                if self.eval(f, test)?.truthy() {
                    self.eval(f, a)?
                } else if let Some(b) = b {
                    self.eval(f, b)?
                } else {
                    Value::Undefined
                }
            }
        })
    }

    pub fn eval_args(&self, f: &mut Frame, a: &Args) -> Result<CallArgs> {
        let mut pos = vec![];
        for e in &a.pos {
            pos.push(self.eval(f, e)?);
        }
        if let Some(s) = &a.star {
            pos.extend(self.eval(f, s)?.iter()?);
        }
        let mut kw = vec![];
        for (k, e) in &a.kw {
            kw.push((k.clone(), self.eval(f, e)?));
        }
        if let Some(d) = &a.dstar
            && let Value::Dict(d) = self.eval(f, d)?
        {
            {
                for (k, v) in &d.borrow().0 {
                    kw.push((k.to_str(), v.clone()));
                }
            }
        }
        Ok(CallArgs { pos, kw })
    }

    fn apply_filter_expr(&self, f: &mut Frame, flt: &Expr, input: Value) -> Result<Value> {
        let Expr::Filter(_, name, args) = flt else {
            return Ok(input);
        };
        let a = self.eval_args(f, args)?;
        filters::apply(self, f, name, input, a)
    }

    /// Calls a value (the undefined: the undefined).
    pub fn call(&self, f: &mut Frame, c: &Value, a: CallArgs) -> Result<Value> {
        match c {
            Value::Func(func) => match &**func {
                Callable::Macro { def, scope } => self.call_macro(c, def, scope, a),
                Callable::Method(recv, name) => methods::call(self, f, recv, name, a),
                Callable::Global(g) => globals::call(self, f, g, a),
                Callable::Block(ctx, name, index) => {
                    let entry = ctx.block(name, *index);
                    let Some((blk, tpl)) = entry else {
                        return Ok(Value::Undefined);
                    };
                    let mut s = String::new();
                    let mut bf = f.clone();
                    bf.ctx = ctx.clone();
                    self.exec_block(&bf, &blk, &tpl, *index, &mut s)?;
                    Ok(if f.autoescape {
                        Value::markup(s)
                    } else {
                        Value::string(s)
                    })
                }
                Callable::SelfRef(_) => Ok(Value::Undefined),
            },
            Value::Loop(state) => {
                let Some(node) = &state.recursive else {
                    bail!("the loop is not recursive: use `{{% for … recursive %}}`");
                };
                let it = a.pos.into_iter().next().unwrap_or(Value::Undefined);
                let mut s = String::new();
                self.exec_for(f, node, it, state.depth0 + 1, &mut s)?;
                Ok(if f.autoescape {
                    Value::markup(s)
                } else {
                    Value::string(s)
                })
            }
            Value::Joiner(j) => {
                if j.1.get() {
                    Ok(j.0.clone())
                } else {
                    j.1.set(true);
                    Ok(Value::str(""))
                }
            }
            Value::Undefined => Ok(Value::Undefined),
            v => bail!("'{}' object is not callable", v.type_name()),
        }
    }

    fn call_macro(
        &self,
        me: &Value,
        def: &Arc<Macro>,
        scope: &Frame,
        a: CallArgs,
    ) -> Result<Value> {
        self.enter()?;
        let mut mf = scope.clone();
        mf.block = None;
        // the macro sees itself (recursion), as Jinja2's closures do
        let mut own = Vars::default();
        if def.name != "caller" {
            own.insert(def.name.clone(), me.clone());
        }
        mf.locals.push(own);
        let mut pos = a.pos.into_iter();
        let mut kw = a.kw;
        for (name, default) in &def.params {
            let v = if let Some(v) = pos.next() {
                v
            } else if let Some(i) = kw.iter().position(|(k, _)| k == name) {
                kw.remove(i).1
            } else if let Some(d) = default {
                self.eval(&mut mf, d)?
            } else {
                Value::Undefined
            };
            if let Some(l) = mf.locals.last_mut() {
                l.insert(name.clone(), v);
            }
        }
        let caller = kw
            .iter()
            .position(|(k, _)| k == "caller")
            .map(|i| kw.remove(i).1);
        if let Some(l) = mf.locals.last_mut() {
            l.insert("varargs".into(), Value::Tuple(Rc::new(pos.collect())));
            let mut d = Dict::default();
            for (k, v) in kw {
                d.insert(Value::string(k), v);
            }
            l.insert("kwargs".into(), Value::dict(d));
            if let Some(c) = caller {
                l.insert("caller".into(), c);
            }
        }
        let mut s = String::new();
        let tpl = mf.tpl.clone();
        self.exec_all(&mut mf, &def.body, &mut s)
            .map_err(|e| locate(e, &tpl.name, 0))?;
        self.leave();
        Ok(if mf.autoescape {
            Value::markup(s)
        } else {
            Value::string(s)
        })
    }

    /// Records a URL name missing from DOWNPAGE_URLS (strict: an error).
    pub fn missing_url(&self, name: &str) -> Result<()> {
        let (tpl, line) = self.at.borrow().clone();
        if self.eng.options.strict {
            bail!(super::strict_message(StubKind::Url, name, &tpl, line));
        }
        self.stubs.borrow_mut().push(Stub {
            kind: StubKind::Url,
            name: name.to_string(),
            template: tpl,
            line,
        });
        Ok(())
    }
}

/// Whether Jinja2 folds `e` into a constant at compile time (its `~` of constants is a str).
fn is_const(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) => true,
        Expr::List(v) | Expr::Tuple(v) => v.iter().all(is_const),
        Expr::Dict(v) => v.iter().all(|(k, x)| is_const(k) && is_const(x)),
        Expr::Filter(Some(v), name, a) => {
            filters::NAMES.contains(&name.as_str())
                && name != "random"
                && is_const(v)
                && a.pos.iter().all(is_const)
                && a.kw.iter().all(|(_, x)| is_const(x))
                && a.star.is_none()
                && a.dstar.is_none()
        }
        Expr::Neg(x) | Expr::Pos(x) | Expr::Not(x) => is_const(x),
        Expr::Bin(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => is_const(a) && is_const(b),
        Expr::Concat(v) => v.iter().all(is_const),
        _ => false,
    }
}

/// Jinja2's `getattr`: the attribute (a method), else the item.
pub fn getattr(v: &Value, n: &str) -> Value {
    match v {
        Value::Undefined => Value::Undefined,
        Value::Dict(d) => {
            if methods::DICT.contains(&n) {
                return Value::Func(Rc::new(Callable::Method(v.clone(), n.into())));
            }
            d.borrow().get_str(n).cloned().unwrap_or(Value::Undefined)
        }
        Value::Str(_) | Value::Markup(_) if methods::STR.contains(&n) => {
            Value::Func(Rc::new(Callable::Method(v.clone(), n.into())))
        }
        Value::List(_) if methods::LIST.contains(&n) => {
            Value::Func(Rc::new(Callable::Method(v.clone(), n.into())))
        }
        Value::Loop(l) => {
            let i = l.index0.get();
            let len = l.items.len();
            match n {
                "index" => Value::Int(i as i64 + 1),
                "index0" => Value::Int(i as i64),
                "revindex" => Value::Int((len - i) as i64),
                "revindex0" => Value::Int((len - i - 1) as i64),
                "first" => Value::Bool(i == 0),
                "last" => Value::Bool(i + 1 == len),
                "length" => Value::Int(len as i64),
                "depth" => Value::Int(l.depth0 as i64 + 1),
                "depth0" => Value::Int(l.depth0 as i64),
                "previtem" => {
                    if i > 0 {
                        l.items[i - 1].clone()
                    } else {
                        Value::Undefined
                    }
                }
                "nextitem" => l.items.get(i + 1).cloned().unwrap_or(Value::Undefined),
                "cycle" | "changed" => Value::Func(Rc::new(Callable::Method(v.clone(), n.into()))),
                _ => Value::Undefined,
            }
        }
        Value::Namespace(d) => d.borrow().get_str(n).cloned().unwrap_or(Value::Undefined),
        Value::Module(m) => m.get(n).cloned().unwrap_or(Value::Undefined),
        Value::Cycler(c) => match n {
            "current" => {
                let c = c.borrow();
                c.0.get(c.1).cloned().unwrap_or(Value::Undefined)
            }
            "next" | "reset" => Value::Func(Rc::new(Callable::Method(v.clone(), n.into()))),
            _ => Value::Undefined,
        },
        Value::Tuple(t) if t.len() == 2 && (n == "grouper" || n == "list") => {
            t[usize::from(n == "list")].clone()
        }
        Value::Func(func) => match &**func {
            // `self._TemplateReference__context.name`: the rendered template's name
            Callable::SelfRef(ctx) if n == "_TemplateReference__context" => Value::Module(Rc::new(
                [("name".to_string(), Value::str(&ctx.name.borrow()))]
                    .into_iter()
                    .collect(),
            )),
            Callable::SelfRef(ctx) => {
                Value::Func(Rc::new(Callable::Block(ctx.clone(), n.into(), 0)))
            }
            Callable::Macro { def, .. } if n == "name" => Value::str(&def.name),
            _ => Value::Undefined,
        },
        _ => Value::Undefined,
    }
}

/// Jinja2's `getitem`: the item, else the attribute.
pub fn getitem(v: &Value, k: &Value) -> Value {
    let idx = |len: usize| -> Option<usize> {
        let i = k.int()?;
        let i = if i < 0 { i + len as i64 } else { i };
        (0..len as i64).contains(&i).then_some(i as usize)
    };
    match v {
        Value::Undefined => return Value::Undefined,
        Value::Dict(d) => {
            if let Some(x) = d.borrow().get(k) {
                return x.clone();
            }
        }
        Value::List(l) if !matches!(k, Value::Str(_)) => {
            let l = l.borrow();
            if let Some(i) = idx(l.len()) {
                return l[i].clone();
            }
        }
        Value::Tuple(t) if !matches!(k, Value::Str(_)) => {
            if let Some(i) = idx(t.len()) {
                return t[i].clone();
            }
        }
        Value::Str(s) | Value::Markup(s) if k.int().is_some() => {
            let chars: Vec<char> = s.chars().collect();
            if let Some(i) = idx(chars.len()) {
                let c = chars[i].to_string();
                return if v.is_safe() {
                    Value::markup(c)
                } else {
                    Value::string(c)
                };
            }
        }
        _ => {}
    }
    match k.as_str() {
        Some(n) if !matches!(v, Value::Dict(_)) => getattr(v, n),
        _ => Value::Undefined,
    }
}

/// Python slicing of a list, tuple or str.
pub fn slice(v: &Value, start: Option<i64>, stop: Option<i64>, step: Option<i64>) -> Result<Value> {
    let step = step.unwrap_or(1);
    if step == 0 {
        bail!("slice step cannot be zero");
    }
    let pick = |len: usize| -> Vec<usize> {
        let len = len as i64;
        let norm = |x: i64, lo: i64, hi: i64| {
            let x = if x < 0 { x + len } else { x };
            x.clamp(lo, hi)
        };
        let mut out = vec![];
        if step > 0 {
            let a = start.map_or(0, |s| norm(s, 0, len));
            let b = stop.map_or(len, |s| norm(s, 0, len));
            let mut i = a;
            while i < b {
                out.push(i as usize);
                i += step;
            }
        } else {
            let a = start.map_or(len - 1, |s| norm(s, -1, len - 1));
            let b = stop.map_or(-1, |s| norm(s, -1, len - 1));
            let mut i = a;
            while i > b {
                out.push(i as usize);
                i += step;
            }
        }
        out
    };
    Ok(match v {
        Value::Undefined => Value::Undefined,
        Value::List(l) => {
            let l = l.borrow();
            Value::list(pick(l.len()).into_iter().map(|i| l[i].clone()).collect())
        }
        Value::Tuple(t) => Value::Tuple(Rc::new(
            pick(t.len()).into_iter().map(|i| t[i].clone()).collect(),
        )),
        Value::Str(s) | Value::Markup(s) => {
            let chars: Vec<char> = s.chars().collect();
            let r: String = pick(chars.len()).into_iter().map(|i| chars[i]).collect();
            if v.is_safe() {
                Value::markup(r)
            } else {
                Value::string(r)
            }
        }
        v => bail!("'{}' object is not subscriptable", v.type_name()),
    })
}

fn compare(op: &str, a: &Value, b: &Value) -> Result<bool> {
    use std::cmp::Ordering::{Greater, Less};
    Ok(match op {
        "==" => a.py_eq(b),
        "!=" => !a.py_eq(b),
        "<" => a.py_cmp(b)? == Less,
        "<=" => a.py_cmp(b)? != Greater,
        ">" => a.py_cmp(b)? == Greater,
        ">=" => a.py_cmp(b)? != Less,
        "in" => contains(b, a)?,
        _ => !contains(b, a)?,
    })
}

/// Python's `item in container`.
pub fn contains(container: &Value, item: &Value) -> Result<bool> {
    Ok(match container {
        Value::Str(s) | Value::Markup(s) => match item {
            Value::Str(i) | Value::Markup(i) => s.contains(&**i),
            Value::Undefined => true,
            v => bail!(
                "'in <string>' requires string as left operand, not {}",
                v.type_name()
            ),
        },
        Value::Dict(d) => d.borrow().get(item).is_some(),
        Value::Namespace(d) => d.borrow().get(item).is_some(),
        Value::Module(m) => item.as_str().is_some_and(|k| m.contains_key(k)),
        c => c.iter()?.iter().any(|x| x.py_eq(item)),
    })
}

fn int_result(r: Option<i64>) -> Result<Value> {
    r.map(Value::Int).ok_or_else(|| anyhow!("integer overflow"))
}

/// `+ - * / // % **` with Python's rules (the undefined is "" in `+`).
pub fn binop(op: &str, a: Value, b: Value) -> Result<Value> {
    use Value::{Bool, Float, Int, List, Markup, Str, Tuple};
    if op == "+" {
        let (a, b) = (a.or_empty(), b.or_empty());
        return Ok(match (&a, &b) {
            (Int(_) | Bool(_), Int(_) | Bool(_)) => {
                int_result(a.int().unwrap_or(0).checked_add(b.int().unwrap_or(0)))?
            }
            (x, y) if x.num().is_some() && y.num().is_some() => {
                Float(x.num().unwrap_or(0.0) + y.num().unwrap_or(0.0))
            }
            (Str(x), Str(y)) => Value::string(format!("{x}{y}")),
            (Markup(_), Str(_) | Markup(_)) | (Str(_), Markup(_)) => {
                Value::markup(escape_value(&a) + &escape_value(&b))
            }
            (List(x), List(y)) => {
                let mut v = x.borrow().clone();
                v.extend(y.borrow().iter().cloned());
                Value::list(v)
            }
            (Tuple(x), Tuple(y)) => {
                let mut v = x.to_vec();
                v.extend(y.iter().cloned());
                Tuple(Rc::new(v))
            }
            _ => bail!(
                "unsupported operand type(s) for +: '{}' and '{}'",
                a.type_name(),
                b.type_name()
            ),
        });
    }
    if a.is_undefined() || b.is_undefined() {
        bail!("an undefined value in '{op}'");
    }
    if op == "%" && a.is_str() {
        return super::format::percent(&a, &b);
    }
    if op == "*" {
        let rep = |n: i64| n.max(0) as usize;
        match (&a, &b) {
            (Str(s), n) | (n, Str(s)) if n.int().is_some() => {
                return Ok(Value::string(s.repeat(rep(n.int().unwrap_or(0)))));
            }
            (Markup(s), n) | (n, Markup(s)) if n.int().is_some() => {
                return Ok(Value::markup(s.repeat(rep(n.int().unwrap_or(0)))));
            }
            (List(l), n) | (n, List(l)) if n.int().is_some() => {
                let l = l.borrow();
                let mut v = vec![];
                for _ in 0..rep(n.int().unwrap_or(0)) {
                    v.extend(l.iter().cloned());
                }
                return Ok(Value::list(v));
            }
            _ => {}
        }
    }
    let (Some(x), Some(y)) = (a.num(), b.num()) else {
        bail!(
            "unsupported operand type(s) for {op}: '{}' and '{}'",
            a.type_name(),
            b.type_name()
        );
    };
    let ints = a.int().zip(b.int());
    Ok(match op {
        "-" => match ints {
            Some((i, j)) => int_result(i.checked_sub(j))?,
            Option::None => Float(x - y),
        },
        "*" => match ints {
            Some((i, j)) => int_result(i.checked_mul(j))?,
            Option::None => Float(x * y),
        },
        "/" => {
            if y == 0.0 {
                bail!("division by zero");
            }
            Float(x / y)
        }
        "//" => {
            if y == 0.0 {
                bail!("integer division or modulo by zero");
            }
            match ints {
                Some((i, j)) => Int(i / j - i64::from(i % j != 0 && ((i < 0) != (j < 0)))),
                Option::None => Float((x / y).floor()),
            }
        }
        "%" => {
            if y == 0.0 {
                bail!("integer division or modulo by zero");
            }
            match ints {
                Some((i, j)) => Int(((i % j) + j) % j),
                Option::None => Float(((x % y) + y) % y),
            }
        }
        "**" => match ints {
            Some((i, j)) if j >= 0 => {
                int_result(i.checked_pow(u32::try_from(j).unwrap_or(u32::MAX)))?
            }
            _ => Float(x.powf(y)),
        },
        _ => bail!("unknown operator {op}"),
    })
}
