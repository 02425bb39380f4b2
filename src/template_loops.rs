//! Compiled templates → a check that no `include` or `import` can lead back to itself, run
//! once before rendering. Tera 1 refuses circular `extends` itself but follows an include or
//! import cycle until the stack overflows and the process aborts; such a loop is refused here
//! with its path instead. Pure: reads the parsed templates only.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};
use tera::Tera;
use tera::ast::{ExprVal, Node};

/// Refuses any cycle of templates through `include` or `import` (and `extends`, which renders
/// the parent in the child's place, and loads its macros). The error names the whole path, e.g. `a.html includes b.html
/// includes a.html`.
pub fn check(tera: &Tera) -> Result<()> {
    let mut edges: BTreeMap<&str, Vec<(String, &'static str)>> = BTreeMap::new();
    for name in tera.get_template_names() {
        let Ok(template) = tera.get_template(name) else {
            continue;
        };
        let mut out = Vec::new();
        if let Some(parent) = &template.parent {
            out.push((parent.clone(), "extends"));
        }
        for (file, _namespace) in &template.imported_macro_files {
            out.push((file.clone(), "imports"));
        }
        collect(&template.ast, &mut out);
        for def in template.macros.values() {
            collect(&def.body, &mut out);
        }
        out.retain(|(to, _)| tera.get_template(to).is_ok());
        out.sort();
        out.dedup();
        edges.insert(name, out);
    }
    // Iterative depth-first search (no recursion: the graph comes from user files).
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = edges.keys().map(|k| (*k, Mark::New)).collect();
    for &start in edges.keys() {
        if mark[start] != Mark::New {
            continue;
        }
        // Stack of (template, index of the next edge to follow).
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        mark.insert(start, Mark::Open);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let out = &edges[node];
            if *next == out.len() {
                mark.insert(node, Mark::Done);
                stack.pop();
                continue;
            }
            let (to, _) = &out[*next];
            *next += 1;
            let Some((&to, &state)) = mark.get_key_value(to.as_str()) else {
                continue;
            };
            match state {
                Mark::Done => {}
                Mark::New => {
                    mark.insert(to, Mark::Open);
                    stack.push((to, 0));
                }
                Mark::Open => {
                    let from = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                    let mut path = to.to_string();
                    for (n, i) in &stack[from..] {
                        let (target, how) = &edges[n][i - 1];
                        path.push_str(&format!(" {how} {target}"));
                    }
                    bail!(
                        "template loop: {path}: an include or import must not lead back to its own template (rendering would never end); break the loop (a macro can call itself through self::name)"
                    );
                }
            }
        }
    }
    Ok(())
}

/// Refuses a macro that calls itself (through `self::`, directly or through other macros
/// of its file) with no `if` or `for` around any of the calls: such a render never ends and
/// overflows the stack. Recursion under a condition (trees, menus) is left alone: whether it
/// ends depends on the data.
pub fn check_macros(tera: &Tera) -> Result<()> {
    let mut names: Vec<&str> = tera.get_template_names().collect();
    names.sort_unstable();
    for name in names {
        let Ok(template) = tera.get_template(name) else {
            continue;
        };
        let mut macros: Vec<&String> = template.macros.keys().collect();
        macros.sort();
        for start in macros {
            // Follow unconditional calls from `start`; a path back to it is an endless loop.
            let mut path = vec![start.as_str()];
            let mut seen = BTreeSet::new();
            while let Some(next) = template
                .macros
                .get(*path.last().unwrap_or(&""))
                .and_then(|def| unconditional_self_call(&def.body))
            {
                path.push(next);
                if next == start {
                    bail!(
                        "template {name}: macro {} calls itself with no {{% if %}} or {{% for %}} around the call, so rendering would never end: add a condition that stops the recursion",
                        path.join(" → ")
                    );
                }
                if !seen.insert(next) {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// The first `self::` macro called at the top level of a macro body (outside any `if`,
/// `for` or other block), in `{{ }}` or `{% set %}`.
fn unconditional_self_call(body: &[Node]) -> Option<&str> {
    body.iter().find_map(|node| {
        let expr = match node {
            Node::VariableBlock(_, expr) => expr,
            Node::Set(_, set) => &set.value,
            _ => return None,
        };
        match &expr.val {
            ExprVal::MacroCall(call) if call.namespace == "self" => Some(call.name.as_str()),
            _ => None,
        }
    })
}

/// Every template named by an `include` in `nodes`, at any depth.
fn collect(nodes: &[Node], out: &mut Vec<(String, &'static str)>) {
    let mut todo: Vec<&[Node]> = vec![nodes];
    while let Some(nodes) = todo.pop() {
        for node in nodes {
            match node {
                Node::Include(_, names, _) => {
                    out.extend(names.iter().map(|n| (n.clone(), "includes")));
                }
                Node::Block(_, block, _) => todo.push(&block.body),
                Node::Forloop(_, f, _) => {
                    todo.push(&f.body);
                    if let Some(empty) = &f.empty_body {
                        todo.push(empty);
                    }
                }
                Node::If(cond, _) => {
                    todo.extend(cond.conditions.iter().map(|(_, _, body)| body.as_slice()));
                    if let Some((_, body)) = &cond.otherwise {
                        todo.push(body);
                    }
                }
                Node::FilterSection(_, section, _) => todo.push(&section.body),
                Node::MacroDefinition(_, def, _) => todo.push(&def.body),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tera(templates: &[(&str, &str)]) -> Tera {
        let mut t = Tera::default();
        t.add_raw_templates(templates.iter().copied()).unwrap();
        t
    }

    fn err(templates: &[(&str, &str)]) -> String {
        check(&tera(templates)).unwrap_err().to_string()
    }

    #[test]
    fn self_include_is_a_loop() {
        let e = err(&[("a.html", "x{% include \"a.html\" %}")]);
        assert!(
            e.starts_with("template loop: a.html includes a.html: "),
            "{e}"
        );
    }

    #[test]
    fn include_loop_through_blocks_ifs_loops_and_extends_is_named() {
        let e = err(&[
            (
                "a.html",
                "{% block b %}{% if x %}{% include \"b.html\" %}{% endif %}{% endblock %}",
            ),
            (
                "b.html",
                "{% for i in l %}{% include [\"nope.html\", \"c.html\"] ignore missing %}{% endfor %}",
            ),
            ("c.html", "{% extends \"a.html\" %}"),
        ]);
        assert!(
            e.contains("a.html includes b.html includes c.html extends a.html"),
            "{e}"
        );
    }

    #[test]
    fn include_in_a_macro_counts() {
        let e = err(&[(
            "m.html",
            "{% macro m() %}{% include \"m.html\" %}{% endmacro m %}",
        )]);
        assert!(e.contains("m.html includes m.html"), "{e}");
    }

    #[test]
    fn import_loops_are_named() {
        let e = err(&[(
            "m.html",
            "{% import \"m.html\" as m %}{% macro f() %}x{% endmacro f %}{{ m::f() }}",
        )]);
        assert!(e.contains("m.html imports m.html"), "{e}");
        let e = err(&[
            ("a.html", "{% import \"b.html\" as b %}"),
            ("b.html", "{% import \"a.html\" as a %}"),
        ]);
        assert!(e.contains("a.html imports b.html imports a.html"), "{e}");
    }

    #[test]
    fn macros_that_always_call_themselves_are_refused() {
        let e = check_macros(&tera(&[(
            "m.html",
            "{% macro f(n) %}x{{ self::f(n=n) }}{% endmacro f %}",
        )]))
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("template m.html: macro f → f calls itself with no {% if %}"),
            "{e}"
        );
        let e = check_macros(&tera(&[(
            "m.html",
            "{% macro a() %}{% set x = self::b() %}{% endmacro a %}{% macro b() %}{{ self::a() }}{% endmacro b %}",
        )]))
        .unwrap_err()
        .to_string();
        assert!(e.contains("macro a → b → a calls itself"), "{e}");
        // Under a condition or a loop: allowed (the data decides when it stops).
        check_macros(&tera(&[(
            "m.html",
            "{% macro f(n) %}{% for c in n.c %}{{ self::f(n=c) }}{% endfor %}{% if n.x %}{{ self::f(n=n.x) }}{% endif %}{% endmacro f %}{% macro g() %}{{ self::f(n=1) }}{% endmacro g %}",
        )]))
        .unwrap();
    }

    #[test]
    fn shared_includes_without_a_loop_pass() {
        check(&tera(&[
            ("base.html", "{% include \"h.html\" %}{% block c %}{% endblock %}"),
            ("h.html", "{% include \"i.html\" %}"),
            ("i.html", "i"),
            (
                "p.html",
                "{% extends \"base.html\" %}{% block c %}{% include \"h.html\" %}{% include \"missing.html\" ignore missing %}{% endblock %}",
            ),
        ]))
        .unwrap();
    }
}
