//! The parsed form of a Jinja2 template: statements (`Node`) and expressions (`Expr`).
//! Immutable and shared by the render threads.

use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum Lit {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Debug, Clone, Default)]
pub struct Args {
    pub pos: Vec<Expr>,
    pub kw: Vec<(String, Expr)>,
    pub star: Option<Box<Expr>>,
    pub dstar: Option<Box<Expr>>,
}

#[derive(Debug, Clone)]
pub enum Expr {
    Lit(Lit),
    Name(String),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Attr(Box<Expr>, String),
    Item(Box<Expr>, Box<Expr>),
    Slice(Box<Expr>, [Option<Box<Expr>>; 3]),
    Call(Box<Expr>, Args),
    /// `value|name(args)`; `value` None in a `{% filter %}` block.
    Filter(Option<Box<Expr>>, String, Args),
    /// `value is [not] name(args)`.
    Test(Box<Expr>, String, Args, bool),
    Neg(Box<Expr>),
    Pos(Box<Expr>),
    Not(Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `a < b < c`: the operators `== != < <= > >= in notin`.
    Cmp(Box<Expr>, Vec<(&'static str, Expr)>),
    Concat(Vec<Expr>),
    Cond(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
}

#[derive(Debug, Clone)]
pub enum Target {
    Name(String),
    Tuple(Vec<Target>),
    /// `ns.attr` in `{% set %}`.
    Attr(String, String),
}

#[derive(Debug)]
pub struct Macro {
    pub name: String,
    pub params: Vec<(String, Option<Expr>)>,
    pub body: Vec<Node>,
}

#[derive(Debug)]
pub struct For {
    pub target: Target,
    pub iter: Expr,
    pub cond: Option<Expr>,
    pub recursive: bool,
    pub body: Vec<Node>,
    pub else_: Vec<Node>,
}

#[derive(Debug)]
pub struct Block {
    pub name: String,
    pub scoped: bool,
    pub required: bool,
    pub body: Vec<Node>,
}

#[derive(Debug)]
pub enum Node {
    Data(String),
    Output(Expr, usize),
    If(Vec<(Expr, Vec<Node>)>, Vec<Node>, usize),
    For(Arc<For>, usize),
    Set(Target, Expr, usize),
    SetBlock(Target, Vec<Expr>, Vec<Node>, usize),
    Block(String, usize),
    Extends(Expr, usize),
    Include {
        name: Expr,
        ignore_missing: bool,
        context: bool,
        line: usize,
    },
    Import {
        name: Expr,
        target: String,
        context: bool,
        line: usize,
    },
    FromImport {
        name: Expr,
        names: Vec<(String, String)>,
        context: bool,
        line: usize,
    },
    Macro(Arc<Macro>),
    CallBlock(Expr, Arc<Macro>, usize),
    FilterBlock(Vec<Expr>, Vec<Node>, usize),
    With(Vec<(Target, Expr)>, Vec<Node>, usize),
    Autoescape(Expr, Vec<Node>, usize),
    Do(Expr, usize),
    Break,
    Continue,
    /// Several nodes in the current scope (an unknown block tag's body).
    Seq(Vec<Node>),
}

/// A stub met while parsing: (kind word, name, line).
pub type StubUse = (super::super::StubKind, String, usize);

/// One parsed template.
#[derive(Debug)]
pub struct Template {
    pub name: String,
    pub body: Vec<Node>,
    pub blocks: Vec<Arc<Block>>,
    pub autoescape: bool,
    /// Stubs used anywhere in the template, in source order.
    pub stubs: Vec<StubUse>,
}
